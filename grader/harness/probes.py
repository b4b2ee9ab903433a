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
    """Records each backward pass (its loss) and each optimizer step (parameters before and after).

    This runs in the submission's process, so it is the learner's to rewrite: the trusted side
    takes none of it on faith. It replays the reference loop under the same seed and accepts a
    recorded step only where the numbers are what a real gradient step on that iteration's data
    gives, so a made-up trace earns nothing that the matching computation would not.
    """

    def __init__(self) -> None:
        self.torch = _torch()
        self.keys: dict[int, int] = {}
        self.events: list[dict[str, Any]] = []
        self._undo: list[Callable[[], None]] = []

    def key(self, param: Any) -> str:
        return f"p{self.keys.setdefault(id(param), len(self.keys))}"

    def install(self) -> None:
        torch = self.torch
        original_backward = torch.Tensor.backward
        # Bound now, before the submission runs: patching the class later changes nothing here.
        record_backward = self.backward
        record_step = self.step

        def backward(tensor: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                record_backward(tensor)
            except Exception:  # noqa: BLE001 — observing must never change what the script does
                pass
            return original_backward(tensor, *args, **kwargs)

        torch.Tensor.backward = backward
        self._undo.append(lambda: setattr(torch.Tensor, "backward", original_backward))
        from torch.optim.optimizer import (
            register_optimizer_step_post_hook,
            register_optimizer_step_pre_hook,
        )

        pre = register_optimizer_step_pre_hook(lambda opt, a, k: record_step(opt, "pre"))
        post = register_optimizer_step_post_hook(lambda opt, a, k: record_step(opt, "post"))
        self._undo.extend([pre.remove, post.remove])

    def uninstall(self) -> None:
        while self._undo:
            self._undo.pop()()

    def backward(self, loss: Any) -> None:
        value = float(loss.detach().reshape(-1)[0]) if loss.numel() >= 1 else math.nan
        self.events.append({"kind": "backward", "loss": value, "loss_numel": int(loss.numel())})

    def step(self, optimizer: Any, phase: str) -> None:
        params = [p for group in optimizer.param_groups for p in group["params"]]
        self.events.append(
            {
                "kind": f"step_{phase}",
                "optimizer": type(optimizer).__name__,
                "values": {self.key(p): _array(p) for p in params},
            }
        )

    def report(self) -> dict[str, Any]:
        return {"events": list(self.events), "params": len(self.keys)}
