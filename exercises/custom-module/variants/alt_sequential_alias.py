# Correct: the named layers are also chained in an nn.Sequential (the same module objects, so
# the weights are shared), LearnableScale's weight made with nn.init.ones_, nn.Dropout(p=...).
import torch
import torch.nn as nn


class LearnableScale(nn.Module):
    def __init__(self, features):
        super().__init__()
        self.weight = nn.Parameter(nn.init.ones_(torch.empty(features)))

    def forward(self, x):
        return x * self.weight


class ScaledNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(12, 16)
        self.bn = nn.BatchNorm1d(16)
        self.scale = LearnableScale(16)
        self.dropout = nn.Dropout(p=0.25)
        self.fc2 = nn.Linear(16, 4)
        self.layers = nn.Sequential(
            self.fc1, self.bn, nn.ReLU(), self.scale, self.dropout, self.fc2
        )

    def forward(self, x):
        return self.layers(x)
