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

from grader.artifacts import Chart, Marker, Series
from grader.contract import Text

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
    # Each iteration's loss and the norm of its gradient, as the replay computed them.
    losses: list[float] = field(default_factory=list)
    gradient_norms: list[float] = field(default_factory=list)

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
        batches, losses, norms = [], [], []
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        for _ in range(iterations):
            x, y = draw()
            batches.append((x.numpy().copy(), y.numpy().copy()))
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            losses.append(float(loss.item()))
            norms.append(norm({n: p.grad.double().numpy() for n, p in model.named_parameters()}))
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
        losses=losses,
        gradient_norms=norms,
    )


def norm(gradient: State) -> float:
    """The L2 norm of all parameters' gradients together, as clip_grad_norm_ measures it."""
    return float(np.sqrt(sum(float(np.sum(np.square(g))) for g in gradient.values())))


def state_of(model: Any) -> State:
    return {n: p.detach().double().numpy().copy() for n, p in model.named_parameters()}


@dataclass
class Backward:
    iteration: int
    loss: Any
    state: State | None = None
    verified: bool = False
    # The loss computed here at ``state``, once it matched the recorded one.
    checked_loss: float | None = None


@dataclass
class Step:
    iteration: int  # how many backward() calls came before it
    after_backward: bool
    before: State | None
    after: State | None = None
    kind: str = "unverified"  # fresh | accumulated | still | unverified
    # The norm of the gradient computed here that explains the step (None while unverified).
    gradient_norm: float | None = None


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
        entry.checked_loss = _checked_loss(entry, reference, iterations)
        entry.verified = entry.checked_loss is not None
    for step in run.steps:
        step.kind, step.gradient_norm = _step_kind(step, run.backwards, reference)
    return run


def _checked_loss(entry: Backward, reference: Reference, iterations: int) -> float | None:
    """The loss computed here, if the recorded one is that loss; None otherwise."""
    if entry.state is None or entry.iteration >= iterations:
        return None
    if not isinstance(entry.loss, (int, float)) or isinstance(entry.loss, bool):
        return None
    expected = reference.loss(entry.state, entry.iteration)
    if np.isfinite(entry.loss) and abs(entry.loss - expected) <= 1e-5 * max(1.0, abs(expected)):
        return expected
    return None


def _step_kind(
    step: Step, backwards: list[Backward], reference: Reference
) -> tuple[str, float | None]:
    if step.before is None or step.after is None or step.iteration == 0:
        return "unverified", None
    if step.iteration > len(reference.batches):
        return "unverified", None
    if close(step.after, step.before, 0.0):
        return "still", 0.0
    fresh = reference.gradient(step.before, step.iteration - 1)
    if _moved_by(step, fresh, reference.lr):
        return "fresh", norm(fresh)
    # Gradients never reset: the sum of every earlier iteration's gradient, each at its state.
    summed: State = {k: np.zeros_like(v) for k, v in fresh.items()}
    for entry in backwards[: step.iteration]:
        if entry.state is None:
            return "unverified", None
        for k, g in reference.gradient(entry.state, entry.iteration).items():
            summed[k] += g
    if _moved_by(step, summed, reference.lr):
        return "accumulated", norm(summed)
    return "unverified", None


def _moved_by(step: Step, gradient: State, lr: float) -> bool:
    assert step.before is not None and step.after is not None
    expected = {k: step.before[k] - lr * gradient[k] for k in gradient}
    scale = max(float(np.max(np.abs(lr * g), initial=0.0)) for g in gradient.values())
    # float32 arithmetic in the submission against float64 here: far below one SGD update.
    return close(step.after, expected, 1e-6 + 1e-3 * scale)


# -- charts: the learner's run beside the replay -----------------------------------------------
# Only numbers computed here go in: a loss where the recorded one matched the loss computed at
# the recorded parameters, a gradient norm where the step was explained by a gradient computed
# here. Anything else is a gap, so a made-up trace draws nothing it did not earn.


def loss_chart(run: Trajectory, reference: Reference, *, iterations: int) -> Chart:
    """The loss of each iteration, the learner's against the reference replay's."""
    learner = [
        (number, entry.checked_loss)
        for number, entry in enumerate(run.backwards[:iterations], start=1)
    ]
    replayed = list(enumerate(reference.losses[:iterations], start=1))
    markers = []
    first = next((n for n, step in enumerate(run.steps, start=1) if step.kind != "fresh"), None)
    if first is not None:
        # Step n changes the parameters that iteration n + 1 computes its loss with.
        markers.append(
            Marker(
                x=first + 1,
                label=Text(
                    en=f"after step {first}, which was not plain SGD",
                    ja=f"{first} 回目の step(通常の SGD ではない)の後",
                ),
            )
        )
    return Chart(
        title=Text(
            en="Loss per iteration: your run and the reference (same seed)",
            ja="反復ごとの損失: あなたの実行と参照実装(同じシード)",
        ),
        series=(
            Series(name=Text(en="your loss", ja="あなたの損失"), points=learner, role="learner"),
            Series(name=Text(en="reference", ja="参照実装"), points=replayed, role="reference"),
        ),
        x_label=Text(en="iteration", ja="反復"),
        y_label=Text(en="loss (MSE)", ja="損失 (MSE)"),
        markers=tuple(markers),
    )


def gradient_chart(run: Trajectory, reference: Reference) -> Chart:
    """The norm of the gradient each optimizer step applied: gradients that are never reset add
    up, and the line climbs."""
    learner = [(number, step.gradient_norm) for number, step in enumerate(run.steps, start=1)]
    replayed = list(enumerate(reference.gradient_norms, start=1))
    return Chart(
        title=Text(
            en="Norm of the gradient each optimizer.step() applied",
            ja="各 optimizer.step() が使った勾配のノルム",
        ),
        series=(
            Series(name=Text(en="your steps", ja="あなたの更新"), points=learner, role="learner"),
            Series(name=Text(en="reference", ja="参照実装"), points=replayed, role="reference"),
        ),
        x_label=Text(en="optimizer step", ja="optimizer.step() の回数"),
        y_label=Text(en="gradient L2 norm", ja="勾配の L2 ノルム"),
    )
