# Correct: the device as a string, model.to(device=...), @torch.no_grad() on predict,
# torch.amp.autocast with keywords and nn.CrossEntropyLoss inside the region.
import torch
import torch.nn as nn

criterion = nn.CrossEntropyLoss()


def pick_device():
    return "cuda" if torch.cuda.is_available() else "cpu"


def to_device(model, batch, device):
    model = model.to(device=device)
    moved = tuple([item.to(device=device) for item in batch])
    return model, moved


@torch.no_grad()
def predict(model, x):
    model.to(x.device)
    return model(x)


def autocast_forward(model, x, y):
    device_type = x.device.type
    dtype = torch.float16 if device_type == "cuda" else torch.bfloat16
    with torch.amp.autocast(device_type=device_type, dtype=dtype):
        logits = model(x)
        loss = criterion(logits, y)
    return logits, loss


def amp_train_step(model, optimizer, scaler, x, y):
    optimizer.zero_grad()
    logits, loss = autocast_forward(model, x, y)
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
    return loss.item()
