import torch
import torch.nn as nn
import torch.nn.functional as F


def pick_device():
    """The GPU when PyTorch can use one, the CPU otherwise."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def to_device(model, batch, device):
    """Move the model and every tensor of the batch (a tuple) to `device`; return both."""
    model = model.to(device)
    return model, batch  # the data stays where it was


def predict(model, x):
    """The model's outputs for x without gradient tracking, computed on x's device."""
    model = model.to(x.device)  # the data decides where the work happens
    with torch.no_grad():
        return model(x)


def amp_dtype(device_type):
    # float16 is the usual choice on GPUs; the CPU's autocast supports bfloat16.
    return torch.float16 if device_type == "cuda" else torch.bfloat16


def autocast_forward(model, x, y):
    """(logits, loss): the forward pass under autocast for x's device, the loss in float32."""
    with torch.autocast(device_type=x.device.type, dtype=amp_dtype(x.device.type)):
        logits = model(x)
        loss = F.cross_entropy(logits, y)  # autocast runs the loss in float32
    return logits, loss


def amp_train_step(model, optimizer, scaler, x, y):
    """One mixed-precision training step with a GradScaler; returns the loss as a float."""
    optimizer.zero_grad()
    _, loss = autocast_forward(model, x, y)
    scaler.scale(loss).backward()  # backward outside the autocast region, on the scaled loss
    scaler.step(optimizer)  # unscales the gradients; skips the step if any is inf or NaN
    scaler.update()
    return loss.item()


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
