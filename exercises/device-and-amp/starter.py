import torch
import torch.nn as nn
import torch.nn.functional as F


def pick_device():
    """The GPU when PyTorch can use one, the CPU otherwise."""
    # TODO
    raise NotImplementedError


def to_device(model, batch, device):
    """Move the model and every tensor of the batch (a tuple) to `device`; return both."""
    # TODO
    raise NotImplementedError


def predict(model, x):
    """The model's outputs for x without gradient tracking, computed on x's device."""
    # TODO
    raise NotImplementedError


def autocast_forward(model, x, y):
    """(logits, loss): the forward pass under autocast for x's device, the loss in float32."""
    # TODO: bfloat16 on the CPU, float16 on a GPU
    raise NotImplementedError


def amp_train_step(model, optimizer, scaler, x, y):
    """One mixed-precision training step with a GradScaler; returns the loss as a float."""
    # TODO
    raise NotImplementedError


if __name__ == "__main__":
    device = pick_device()
    torch.manual_seed(0)
    model = nn.Linear(20, 3)
    x, y = torch.randn(16, 20), torch.randint(0, 3, (16,))
    model, (x, y) = to_device(model, (x, y), device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scaler = torch.amp.GradScaler(device.type)
    for step in range(5):
        print(f"step {step}: loss {amp_train_step(model, optimizer, scaler, x, y):.4f}")
    print(predict(model, x[:2]).device)
