"""Framework helpers that run inside the worker next to the submission, and the training tracer.

These are public harness code (the submission's user can read them); they only observe and
report plain data. What the data must look like is decided by the hidden tests elsewhere.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from typing import Any

from grader.harness.protocol import encode_array


def _torch() -> Any:
    import torch

    return torch


def is_torch_tensor(value: Any) -> bool:
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(value, torch.Tensor)


def is_tf_tensor(value: Any) -> bool:
    tf = sys.modules.get("tensorflow")
    return (
        tf is not None and type(value).__module__.startswith("tensorflow") and tf.is_tensor(value)
    )


def encode_torch_tensor(tensor: Any) -> dict[str, Any]:
    torch = _torch()
    # Plain data only: a tensor subclass is flattened to its values, so its overrides never cross.
    plain = torch.Tensor.as_subclass(tensor, torch.Tensor).detach().cpu()
    dtype = str(plain.dtype).removeprefix("torch.")
    if plain.dtype == torch.bfloat16:
        plain = plain.float()
    return encode_array(
        plain.resolve_conj().numpy(), torch_dtype=dtype, requires_grad=bool(tensor.requires_grad)
    )


def torch_tensor_from(array: Any, dtype: str) -> Any:
    torch = _torch()
    return torch.from_numpy(array).to(getattr(torch, dtype))


def _array(tensor: Any) -> Any:
    return tensor.detach().cpu().float().numpy().copy()


# -- PyTorch ---------------------------------------------------------------------------------------
def torch_modules(model: Any) -> list[dict[str, Any]]:
    """Every leaf module with the attributes a shape check needs."""
    rows = []
    for name, module in model.named_modules():
        if list(module.children()):
            continue
        row: dict[str, Any] = {"name": name, "type": type(module).__name__}
        for attr in ("in_features", "out_features", "p"):
            if hasattr(module, attr):
                row[attr] = getattr(module, attr)
        row["params"] = {n: list(p.shape) for n, p in module.named_parameters(recurse=False)}
        rows.append(row)
    return rows


def torch_param_count(model: Any) -> int:
    return int(sum(p.numel() for p in model.parameters()))


def torch_forward(model: Any, inputs: Any, train: bool) -> Any:
    torch = _torch()
    model.train(train)
    with torch.no_grad():
        return model(inputs)


def torch_linear(in_features: int, out_features: int, seed: int) -> Any:
    torch = _torch()
    torch.manual_seed(seed)
    return torch.nn.Linear(in_features, out_features)


def torch_load_values(model: Any, values: dict[str, Any]) -> None:
    """Overwrite parameters in place, as training would, without replacing the tensors."""
    torch = _torch()
    with torch.no_grad():
        for name, param in model.named_parameters():
            param.copy_(torch.as_tensor(values[name], dtype=param.dtype))


def torch_state(model: Any) -> dict[str, Any]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


# -- Keras -----------------------------------------------------------------------------------------
def _built(model: Any, width: int) -> Any:
    if not model.built:
        import numpy as np

        model(np.zeros((1, width), dtype="float32"))
    return model


def keras_layers(model: Any, width: int) -> dict[str, Any]:
    model = _built(model, width)
    rows = []
    for layer in model.layers:
        row: dict[str, Any] = {"name": layer.name, "type": type(layer).__name__}
        if hasattr(layer, "units"):
            row["units"] = int(layer.units)
            activation = getattr(layer, "activation", None)
            row["activation"] = getattr(activation, "__name__", str(activation))
        if hasattr(layer, "rate"):
            row["rate"] = float(layer.rate)
        row["weights"] = [list(w.shape) for w in layer.weights]
        rows.append(row)
    return {"layers": rows, "params": int(model.count_params())}


def keras_forward(model: Any, inputs: Any, training: bool, width: int) -> Any:
    model = _built(model, width)
    return model(inputs, training=training)


def keras_set_dense_weights(model: Any, weights: list[Any], width: int) -> int:
    """Give each layer that has weights, in order, the next [kernel, bias] pair."""
    model = _built(model, width)
    layers = [layer for layer in model.layers if layer.weights]
    if len(layers) != len(weights):
        raise ValueError(f"the model has {len(layers)} layers with weights, not {len(weights)}")
    for layer, pair in zip(layers, weights, strict=True):
        layer.set_weights(list(pair))
    return len(layers)


# -- data ------------------------------------------------------------------------------------------
def dataloader_batches(dataset: Any, batch_size: int) -> list[Any]:
    from torch.utils.data import DataLoader

    return [tuple(batch) for batch in DataLoader(dataset, batch_size=batch_size, shuffle=False)]


HELPERS: dict[str, Callable[..., Any]] = {
    f.__name__: f
    for f in (
        torch_modules,
        torch_param_count,
        torch_forward,
        torch_linear,
        torch_load_values,
        torch_state,
        keras_layers,
        keras_forward,
        keras_set_dense_weights,
        dataloader_batches,
    )
}


# -- training instrumentation ----------------------------------------------------------------------
class TrainingTracer:
    """Records each backward pass and optimizer step of a training script.

    At every ``backward()`` it also computes the gradient of that loss alone, so the trusted side
    can tell from the numbers whether gradients were reset between iterations.
    """

    def __init__(self) -> None:
        self.torch = _torch()
        self.keys: dict[int, int] = {}
        self.events: list[dict[str, Any]] = []
        self.criterion_outputs: dict[int, tuple[str, Any]] = {}
        self._undo: list[Callable[[], None]] = []

    def key(self, param: Any) -> str:
        return f"p{self.keys.setdefault(id(param), len(self.keys))}"

    def install(self) -> None:
        torch = self.torch
        tracer = self
        original_backward = torch.Tensor.backward

        def backward(tensor: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                event = tracer.before_backward(tensor)
            except Exception:  # noqa: BLE001 — observing must never change what the script does
                event = None
            result = original_backward(tensor, *args, **kwargs)
            if event is not None:
                event["grad_after"] = {
                    k: _array(p.grad) if p.grad is not None else None
                    for k, p in event.pop("_leaves")
                }
            return result

        torch.Tensor.backward = backward
        self._undo.append(lambda: setattr(torch.Tensor, "backward", original_backward))

        def on_forward(module: Any, inputs: Any, output: Any) -> None:
            if isinstance(module, torch.nn.modules.loss._Loss) and is_torch_tensor(output):
                tracer.criterion_outputs[id(output)] = (type(module).__name__, output)

        hook = torch.nn.modules.module.register_module_forward_hook(on_forward)
        self._undo.append(hook.remove)
        from torch.optim.optimizer import (
            register_optimizer_step_post_hook,
            register_optimizer_step_pre_hook,
        )

        pre = register_optimizer_step_pre_hook(lambda opt, a, k: tracer.step(opt, "pre"))
        post = register_optimizer_step_post_hook(lambda opt, a, k: tracer.step(opt, "post"))
        self._undo.extend([pre.remove, post.remove])

    def uninstall(self) -> None:
        while self._undo:
            self._undo.pop()()

    def before_backward(self, loss: Any) -> dict[str, Any]:
        torch = self.torch
        leaves = self.leaves(loss.grad_fn)
        fresh: list[Any] = [None] * len(leaves)
        if leaves and loss.requires_grad and loss.numel() == 1:
            fresh = list(torch.autograd.grad(loss, leaves, retain_graph=True, allow_unused=True))
        value = float(loss.detach().reshape(-1)[0]) if loss.numel() >= 1 else math.nan
        criterion = self.criterion_outputs.get(id(loss))
        event = {
            "kind": "backward",
            "loss": value,
            "loss_numel": int(loss.numel()),
            "criterion": criterion[0] if criterion and criterion[1] is loss else None,
            "grad_before": {
                self.key(p): _array(p.grad) if p.grad is not None else None for p in leaves
            },
            "fresh_grad": {
                self.key(p): _array(g) if g is not None else None
                for p, g in zip(leaves, fresh, strict=True)
            },
            "_leaves": [(self.key(p), p) for p in leaves],
        }
        self.events.append(event)
        return event

    def leaves(self, grad_fn: Any) -> list[Any]:
        found: list[Any] = []
        seen: set[int] = set()
        stack = [grad_fn]
        while stack:
            node = stack.pop()
            if node is None or id(node) in seen:
                continue
            seen.add(id(node))
            if hasattr(node, "variable"):
                found.append(node.variable)
            stack.extend(next_fn for next_fn, _ in getattr(node, "next_functions", ()))
        return found

    def step(self, optimizer: Any, phase: str) -> None:
        params = [p for group in optimizer.param_groups for p in group["params"]]
        self.events.append(
            {
                "kind": f"step_{phase}",
                "optimizer": type(optimizer).__name__,
                "values": {self.key(p): _array(p) for p in params},
                "grads": {
                    self.key(p): _array(p.grad) if p.grad is not None else None for p in params
                },
            }
        )

    def report(self) -> dict[str, Any]:
        events = [{k: v for k, v in e.items() if not k.startswith("_")} for e in self.events]
        return {"events": events, "params": len(self.keys)}
