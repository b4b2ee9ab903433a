# Correct: an explicit loop in to_device, torch.device() around the argument, the autocast
# settings worked out in an if/else, and scaler.unscale_() before the step (as one does before
# clipping gradients); the loss taken in float32 inside the region.
import torch
import torch.nn.functional as F


def pick_device():
    if torch.cuda.is_available():
        device = torch.device("cuda")
    else:
        device = torch.device("cpu")
    return device


def to_device(model, batch, device):
    device = torch.device(device)
    model = model.to(device)
    moved = []
    for tensor in batch:
        moved.append(tensor.to(device))
    return model, tuple(moved)


def predict(model, x):
    model = model.to(x.device)
    with torch.no_grad():
        outputs = model(x)
    return outputs


def autocast_forward(model, x, y):
    if x.device.type == "cuda":
        amp_dtype = torch.float16
    else:
        amp_dtype = torch.bfloat16
    with torch.autocast(device_type=x.device.type, dtype=amp_dtype, enabled=True):
        logits = model(x)
        loss = F.cross_entropy(logits.float(), y)
    return logits, loss


def amp_train_step(model, optimizer, scaler, x, y):
    optimizer.zero_grad(set_to_none=True)
    _, loss = autocast_forward(model, x, y)
    scaled = scaler.scale(loss)
    scaled.backward()
    scaler.unscale_(optimizer)
    scaler.step(optimizer)
    scaler.update()
    return loss.detach().item()
