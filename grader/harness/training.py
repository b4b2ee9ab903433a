"""Trusted checks of a training run: the reference loop replayed under the grading's seed, and
every step the submission's process reports verified against gradients computed here.

The trace of a training script comes from the submission's own process, so any of it can be made
up. Nothing in it is taken as evidence except numbers that only the real computation produces: a
recorded loss counts only if it is the loss of the recorded parameters on that iteration's data
(which this side draws itself, with the same seed), and a recorded step counts only if its result
is what SGD gives from its starting parameters with a gradient computed here. Forging such a trace
means doing the training.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

State = dict[str, np.ndarray]


@dataclass
class Reference:
    """The reference run: its initial parameters, each iteration's batch, and where it ends."""

    names: list[str]
    shapes: list[tuple[int, ...]]
    initial: State
    batches: list[tuple[np.ndarray, np.ndarray]]
    final: State
    model: Any
    loss_fn: Callable[[Any, Any], Any]
    lr: float

    def loss(self, state: State, iteration: int) -> float:
        return float(self._forward(state, iteration)[0].item())

    def gradient(self, state: State, iteration: int) -> State:
        """The gradient of that iteration's loss alone at ``state``, in float64."""
        loss, params = self._forward(state, iteration)
        loss.backward()
        return {name: p.grad.numpy().copy() for name, p in zip(self.names, params, strict=True)}

    def _forward(self, state: State, iteration: int) -> tuple[Any, list[Any]]:
        import torch

        with torch.no_grad():
            for name, param in self.model.named_parameters():
                param.copy_(torch.from_numpy(np.asarray(state[name], dtype=np.float64)))
                param.grad = None
        x, y = (torch.from_numpy(a.astype(np.float64)) for a in self.batches[iteration])
        loss = self.loss_fn(self.model(x), y)
        return loss, list(self.model.parameters())


def replay(
    seed: int,
    build: Callable[[], Any],
    draw: Callable[[], tuple[Any, Any]],
    loss_fn: Callable[[Any, Any], Any],
    *,
    lr: float,
    iterations: int,
) -> Reference:
    """Runs the reference loop (model first, then one ``draw()`` per iteration, plain SGD) under
    ``seed`` without touching the caller's random state."""
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = build()
        names = [name for name, _ in model.named_parameters()]
        initial = state_of(model)
        batches = []
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        for _ in range(iterations):
            x, y = draw()
            batches.append((x.numpy().copy(), y.numpy().copy()))
            optimizer.zero_grad()
            loss_fn(model(x), y).backward()
            optimizer.step()
    return Reference(
        names=names,
        shapes=[tuple(p.shape) for p in model.parameters()],
        initial=initial,
        batches=batches,
        final=state_of(model),
        model=model.double(),
        loss_fn=loss_fn,
        lr=lr,
    )


def state_of(model: Any) -> State:
    return {n: p.detach().double().numpy().copy() for n, p in model.named_parameters()}


@dataclass
class Backward:
    iteration: int
    loss: Any
    state: State | None = None
    verified: bool = False


@dataclass
class Step:
    iteration: int  # how many backward() calls came before it
    after_backward: bool
    before: State | None
    after: State | None = None
    kind: str = "unverified"  # fresh | accumulated | still | unverified


@dataclass
class Trajectory:
    """The submission's recorded run, each part marked with what this side could verify."""

    backwards: list[Backward] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    starts_like_reference: bool = False
    readable: bool = True

    def verified_losses(self) -> int:
        return sum(1 for b in self.backwards if b.verified)


def as_state(values: Any, reference: Reference) -> State | None:
    """A recorded parameter set, named like the reference's, or None if it does not fit it."""
    if not isinstance(values, dict) or len(values) != len(reference.names):
        return None
    try:
        arrays = [np.asarray(v, dtype=np.float64) for v in values.values()]
    except (TypeError, ValueError):
        return None
    if [a.shape for a in arrays] != reference.shapes:
        return None
    return dict(zip(reference.names, arrays, strict=True))


def close(a: State, b: State, atol: float) -> bool:
    return all(
        np.all(np.isfinite(a[k])) and np.max(np.abs(a[k] - b[k]), initial=0.0) <= atol for k in b
    )


def analyse(events: Any, reference: Reference, *, iterations: int) -> Trajectory:
    """Reads the recorded events and verifies every loss and every step against ``reference``."""
    run = Trajectory()
    if not isinstance(events, list):
        run.readable = False
        return run
    current: State | None = None
    waiting: list[Backward] = []
    last_kind = None
    for event in events:
        kind = event.get("kind") if isinstance(event, dict) else None
        if kind == "backward":
            entry = Backward(len(run.backwards), event.get("loss"), current)
            run.backwards.append(entry)
            waiting.append(entry)
        elif kind == "step_pre":
            before = as_state(event.get("values"), reference)
            # Parameters move only in a step, so every backward since the last one saw these.
            for entry in waiting:
                entry.state = before
            waiting = []
            run.steps.append(Step(len(run.backwards), last_kind == "backward", before))
        elif kind == "step_post" and run.steps:
            run.steps[-1].after = current = as_state(event.get("values"), reference)
        last_kind = kind
    for entry in waiting:
        entry.state = current if run.steps else reference.initial
    first = run.steps[0].before if run.steps else reference.initial
    run.starts_like_reference = first is not None and close(first, reference.initial, 1e-6)
    for entry in run.backwards:
        entry.verified = _loss_verified(entry, reference, iterations)
    for step in run.steps:
        step.kind = _step_kind(step, run.backwards, reference)
    return run


def _loss_verified(entry: Backward, reference: Reference, iterations: int) -> bool:
    if entry.state is None or entry.iteration >= iterations:
        return False
    if not isinstance(entry.loss, (int, float)) or isinstance(entry.loss, bool):
        return False
    expected = reference.loss(entry.state, entry.iteration)
    return bool(np.isfinite(entry.loss)) and abs(entry.loss - expected) <= 1e-5 * max(
        1.0, abs(expected)
    )


def _step_kind(step: Step, backwards: list[Backward], reference: Reference) -> str:
    if step.before is None or step.after is None or step.iteration == 0:
        return "unverified"
    if step.iteration > len(reference.batches):
        return "unverified"
    if close(step.after, step.before, 0.0):
        return "still"
    fresh = reference.gradient(step.before, step.iteration - 1)
    if _moved_by(step, fresh, reference.lr):
        return "fresh"
    # Gradients never reset: the sum of every earlier iteration's gradient, each at its state.
    summed: State = {k: np.zeros_like(v) for k, v in fresh.items()}
    for entry in backwards[: step.iteration]:
        if entry.state is None:
            return "unverified"
        for k, g in reference.gradient(entry.state, entry.iteration).items():
            summed[k] += g
    return "accumulated" if _moved_by(step, summed, reference.lr) else "unverified"


def _moved_by(step: Step, gradient: State, lr: float) -> bool:
    assert step.before is not None and step.after is not None
    expected = {k: step.before[k] - lr * gradient[k] for k in gradient}
    scale = max(float(np.max(np.abs(lr * g), initial=0.0)) for g in gradient.values())
    # float32 arithmetic in the submission against float64 here: far below one SGD update.
    return close(step.after, expected, 1e-6 + 1e-3 * scale)
