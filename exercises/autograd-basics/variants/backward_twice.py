# Mistake: linear_grads runs backward() a second time "to check", keeping the graph with
# retain_graph=True: the gradients are doubled.
import torch
import torch.nn.functional as F

def mean_square_grad(x):
    leaf = x.detach().clone().requires_grad_(True)
    y = ((2 * leaf) ** 2).mean()
    y.backward()
    return leaf.grad

def mean_square_grad_formula(x):
    return 8 * x / x.numel()


def linear_grads(model, x, target):
    model.zero_grad()
    loss = F.mse_loss(model(x), target)
    loss.backward(retain_graph=True)
    loss.backward()
    return model.weight.grad.clone(), model.bias.grad.clone()
