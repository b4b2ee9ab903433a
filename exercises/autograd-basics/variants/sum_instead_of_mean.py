# Mistake: y = sum((2x)^2) instead of the mean, and the formula 8x to match.
import torch
import torch.nn.functional as F

def mean_square_grad(x):
    leaf = x.detach().clone().requires_grad_(True)
    y = ((2 * leaf) ** 2).sum()
    y.backward()
    return leaf.grad


def mean_square_grad_formula(x):
    return 8 * x

def linear_grads(model, x, target):
    model.zero_grad()
    loss = F.mse_loss(model(x), target)
    loss.backward()
    return model.weight.grad.clone(), model.bias.grad.clone()

