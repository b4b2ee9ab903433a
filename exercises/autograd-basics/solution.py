import torch
import torch.nn.functional as F


def mean_square_grad(x):
    """Gradient of y = mean((2x)^2) with respect to x, computed by autograd."""
    # A fresh leaf: the caller's tensor keeps its values, requires_grad and .grad untouched.
    leaf = x.detach().clone().requires_grad_(True)
    y = ((2 * leaf) ** 2).mean()
    y.backward()
    return leaf.grad


def mean_square_grad_formula(x):
    """The same gradient from the formula dy/dx = 8x / n (n: the number of elements)."""
    return 8 * x / x.numel()


def linear_grads(model, x, target):
    """Gradients of the MSE loss of model(x) against target, for model.weight and model.bias."""
    model.zero_grad()
    loss = F.mse_loss(model(x), target)
    loss.backward()
    return model.weight.grad.clone(), model.bias.grad.clone()


if __name__ == "__main__":
    x = torch.randn(3)
    print(mean_square_grad(x))
    print(mean_square_grad_formula(x))
    model = torch.nn.Linear(4, 2)
    grad_w, grad_b = linear_grads(model, torch.randn(8, 4), torch.randn(8, 2))
    print(grad_w.shape, grad_b.shape)
