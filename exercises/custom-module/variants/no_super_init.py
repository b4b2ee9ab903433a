# Mistake: LearnableScale never calls super().__init__(), so assigning its nn.Parameter raises
# and no ScaledNet can be built.
import torch
import torch.nn as nn
import torch.nn.functional as F


class LearnableScale(nn.Module):
    def __init__(self, features):
        self.weight = nn.Parameter(torch.ones(features))

    def forward(self, x):
        return x * self.weight

class ScaledNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(12, 16)
        self.bn = nn.BatchNorm1d(16)
        self.scale = LearnableScale(16)
        self.dropout = nn.Dropout(0.25)
        self.fc2 = nn.Linear(16, 4)

    def forward(self, x):
        h = F.relu(self.bn(self.fc1(x)))
        h = self.dropout(self.scale(h))
        return self.fc2(h)

