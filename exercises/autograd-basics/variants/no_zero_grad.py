# Mistake: linear_grads never resets the model's gradients, so a second call on the same model
# returns the sum of both batches' gradients.
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
    loss = F.mse_loss(model(x), target)
    loss.backward()
    return model.weight.grad.clone(), model.bias.grad.clone()
