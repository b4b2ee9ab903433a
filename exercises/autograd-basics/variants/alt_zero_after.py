# Correct: nn.MSELoss, gradients read and then cleared after each call; the caller's tensor is
# copied with clone() and x.grad read from the copy.
import torch
import torch.nn as nn

criterion = nn.MSELoss()


def mean_square_grad(x):
    x = x.clone().detach()
    x.requires_grad = True
    y = torch.mean((2 * x) ** 2)
    y.backward()
    return x.grad.detach()


def mean_square_grad_formula(x):
    return 8 * x / len(x.flatten())


def linear_grads(model, x, target):
    loss = criterion(model(x), target)
    loss.backward()
    grads = (model.weight.grad.detach().clone(), model.bias.grad.detach().clone())
    for parameter in model.parameters():
        parameter.grad = None
    return grads
