# Mistake: reads .grad of a non-leaf tensor (2 * x), which stays None.
import torch
import torch.nn.functional as F

def mean_square_grad(x):
    leaf = x.detach().clone().requires_grad_(True)
    doubled = 2 * leaf
    y = (doubled**2).mean()
    y.backward()
    return doubled.grad

def mean_square_grad_formula(x):
    return 8 * x / x.numel()

def linear_grads(model, x, target):
    model.zero_grad()
    loss = F.mse_loss(model(x), target)
    loss.backward()
    return model.weight.grad.clone(), model.bias.grad.clone()

