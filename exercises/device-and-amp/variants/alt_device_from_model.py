"""Correct, written differently: device objects throughout, the model's device read from its
parameters, autocast arguments chosen once, a checkpointed forward in the training step, and the
loss computed from float32 logits outside the autocast region."""

import torch
from torch import nn
from torch.nn import functional as F
from torch.utils.checkpoint import checkpoint

AMP_DTYPES = {"cuda": torch.float16, "cpu": torch.bfloat16}


def pick_device():
    if torch.cuda.is_available():
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def to_device(model, batch, device):
    device = torch.device(device)
    model.to(device)  # in place for modules
    moved = [t.to(device=device, non_blocking=True) for t in batch]
    return model, tuple(moved)


def predict(model, x):
    if next(model.parameters()).device != x.device:
        model.to(x.device)
    model.eval()
    with torch.inference_mode():
        return model(x)


def autocast_forward(model, x, y):
    kind = x.device.type
    with torch.autocast(kind, dtype=AMP_DTYPES.get(kind, torch.bfloat16)):
        logits = model(x)
    return logits, F.cross_entropy(logits.float(), y)


def amp_train_step(model, optimizer, scaler, x, y):
    kind = x.device.type
    optimizer.zero_grad(set_to_none=True)
    with torch.autocast(kind, dtype=AMP_DTYPES.get(kind, torch.bfloat16)):
        # Gradient checkpointing: the forward's activations are recomputed during backward
        # instead of being stored (the same values, less memory for deep models).
        logits = checkpoint(model, x, use_reentrant=False)
    loss = F.cross_entropy(logits.float(), y)
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
    return float(loss)
