import torch
import torch.nn.functional as F


def mean_square_grad(x):
    """Gradient of y = mean((2x)^2) with respect to x, computed by autograd (requires_grad and
    backward()). Returns a tensor of x's shape; the caller's x must stay as it was."""
    # TODO
    raise NotImplementedError


def mean_square_grad_formula(x):
    """The same gradient written out by hand as a formula (no autograd)."""
    # TODO
    raise NotImplementedError


def linear_grads(model, x, target):
    """Gradients of the mean squared error between model(x) and target with respect to
    model.weight and model.bias, computed by autograd. Returns (grad_weight, grad_bias)."""
    # TODO
    raise NotImplementedError


if __name__ == "__main__":
    x = torch.randn(3)
    print(mean_square_grad(x))
    print(mean_square_grad_formula(x))
    model = torch.nn.Linear(4, 2)
    grad_w, grad_b = linear_grads(model, torch.randn(8, 4), torch.randn(8, 2))
    print(grad_w.shape, grad_b.shape)
