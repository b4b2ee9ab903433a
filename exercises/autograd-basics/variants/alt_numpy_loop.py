# Correct: the fresh leaf built from a numpy copy, y.backward(gradient=...) with an explicit
# seed, the formula through numpy, and linear_grads with a loop over the batch and the old
# gradients cleared parameter by parameter before backward().
import numpy as np
import torch


def mean_square_grad(x):
    leaf = torch.from_numpy(np.array(x.detach().cpu().numpy(), copy=True))
    leaf.requires_grad_()
    y = torch.mean(torch.square(2.0 * leaf))
    y.backward(gradient=torch.tensor(1.0, dtype=y.dtype))
    return leaf.grad


def mean_square_grad_formula(x):
    values = x.detach().numpy()
    return torch.from_numpy(8.0 * values / values.size).to(x.dtype)


def linear_grads(model, x, target):
    for p in model.parameters():
        if p.grad is not None:
            p.grad.zero_()
    total = 0
    for row, expected in zip(x, target):
        total = total + ((model(row) - expected) ** 2).sum()
    loss = total / target.numel()
    loss.backward()
    return model.weight.grad.clone(), model.bias.grad.clone()
