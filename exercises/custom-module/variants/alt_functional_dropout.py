# Correct: F.dropout(training=self.training), nn.ReLU as a module, super(Class, self).__init__(),
# the layers defined in another order, torch.mul in the custom layer.
import torch
from torch import nn
from torch.nn import functional as F


class LearnableScale(nn.Module):
    def __init__(self, features):
        super(LearnableScale, self).__init__()
        self.weight = nn.Parameter(torch.ones(features, dtype=torch.float32))

    def forward(self, inputs):
        return torch.mul(inputs, self.weight)


class ScaledNet(nn.Module):
    def __init__(self):
        super(ScaledNet, self).__init__()
        self.fc2 = nn.Linear(16, 4)
        self.scale = LearnableScale(16)
        self.relu = nn.ReLU()
        self.bn = nn.BatchNorm1d(num_features=16)
        self.fc1 = nn.Linear(in_features=12, out_features=16)

    def forward(self, x):
        x = self.relu(self.bn(self.fc1(x)))
        x = self.scale(x)
        x = F.dropout(x, p=0.25, training=self.training)
        return self.fc2(x)
