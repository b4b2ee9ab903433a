# Mistake: switches requires_grad on for the caller's own tensor and returns its .grad, which
# accumulates when the same tensor is passed again.
import torch
import torch.nn.functional as F

def mean_square_grad(x):
    x.requires_grad_(True)
    y = ((2 * x) ** 2).mean()
    y.backward()
    return x.grad

def mean_square_grad_formula(x):
    return 8 * x / x.numel()

def linear_grads(model, x, target):
    model.zero_grad()
    loss = F.mse_loss(model(x), target)
    loss.backward()
    return model.weight.grad.clone(), model.bias.grad.clone()

