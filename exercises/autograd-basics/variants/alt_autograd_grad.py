# Correct: torch.autograd.grad instead of backward(); a hand-written MSE; gradients cleared by
# setting them to None after they are copied.
import torch
from torch import autograd


def mean_square_grad(x):
    x = torch.tensor(x.tolist(), dtype=x.dtype, requires_grad=True)
    out = (x * 2).pow(2).mean()
    (grad,) = autograd.grad(out, x)
    return grad


def mean_square_grad_formula(x):
    n = 1
    for size in x.shape:
        n *= size
    return x * 8.0 / n


def linear_grads(model, x, target):
    prediction = model(x)
    loss = ((prediction - target) ** 2).mean()
    grad_weight, grad_bias = autograd.grad(loss, [model.weight, model.bias])
    return grad_weight, grad_bias
