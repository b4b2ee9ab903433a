import torch
import torch.nn as nn
import torch.nn.functional as F


class LearnableScale(nn.Module):
    """Multiplies every feature by a learnable factor of its own (parameter `weight`, shape
    (features,), starting at 1)."""

    def __init__(self, features):
        # TODO
        raise NotImplementedError

    def forward(self, x):
        # TODO
        raise NotImplementedError


class ScaledNet(nn.Module):
    """fc1: Linear(12→16) → bn: BatchNorm1d(16) → ReLU → scale: LearnableScale(16)
    → dropout: Dropout(0.25) → fc2: Linear(16→4)."""

    def __init__(self):
        # TODO
        raise NotImplementedError

    def forward(self, x):
        # TODO
        raise NotImplementedError


if __name__ == "__main__":
    model = ScaledNet()
    print(model)
    print("parameters:", sum(p.numel() for p in model.parameters()))
    x = torch.randn(8, 12)
    model.train()
    print("train:", model(x).shape)
    model.eval()
    print("eval:", model(x).shape)
