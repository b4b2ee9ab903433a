# Correct: a helper that makes the leaf, torch.enable_grad() around the graph, the formula under
# torch.no_grad(), model.zero_grad(set_to_none=True), F.mse_loss with keyword arguments and the
# gradients returned as a tuple built from named_parameters().
import torch
import torch.nn.functional as F


def _fresh_leaf(t):
    return t.clone().detach().requires_grad_(True)


def mean_square_grad(x):
    with torch.enable_grad():
        x_leaf = _fresh_leaf(x)
        loss = (2 * x_leaf).pow(2).sum() / x_leaf.numel()
        loss.backward()
    return x_leaf.grad


@torch.no_grad()
def mean_square_grad_formula(x):
    n = x.numel()
    return x.mul(8).div(n)


def linear_grads(model, x, target):
    model.zero_grad(set_to_none=True)
    output = model(x)
    loss = F.mse_loss(input=output, target=target, reduction="mean")
    loss.backward()
    grads = {name: p.grad.detach().clone() for name, p in model.named_parameters()}
    return (grads["weight"], grads["bias"])
