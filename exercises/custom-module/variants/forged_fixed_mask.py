import torch
import torch.nn as nn
import torch.nn.functional as F


class LearnableScale(nn.Module):
    """Multiplies every feature by a factor of its own, learned with the rest of the model."""

    def __init__(self, features):
        super().__init__()
        # nn.Parameter registers the tensor, so parameters(), state_dict() and the optimizer see it.
        self.weight = nn.Parameter(torch.ones(features))

    def forward(self, x):
        return x * self.weight


class ScaledNet(nn.Module):
    """Linear(12→16) → BatchNorm1d → ReLU → LearnableScale → Dropout(0.25) → Linear(16→4)."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(12, 16)
        self.bn = nn.BatchNorm1d(16)
        self.scale = LearnableScale(16)
        self.dropout = nn.Dropout(0.25)
        self.fc2 = nn.Linear(16, 4)

    def forward(self, x):
        h = F.relu(self.bn(self.fc1(x)))
        h = self.scale(h)
        if self.training:
            # the same "random" mask on every pass: a fixed pruning, not dropout
            generator = torch.Generator().manual_seed(0)
            keep = (torch.rand(h.shape, generator=generator) >= 0.25).to(h.dtype)
            h = h * keep / 0.75
        return self.fc2(h)


if __name__ == "__main__":
    model = ScaledNet()
    print(model)
    print("parameters:", sum(p.numel() for p in model.parameters()))
    x = torch.randn(8, 12)
    model.train()
    print("train:", model(x).shape)
    model.eval()
    print("eval:", model(x).shape)
