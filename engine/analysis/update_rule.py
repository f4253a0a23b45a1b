"""One weight's update at one step, term by term, from what the run recorded.

A record at step s holds the weights before the update, the gradient, the update the
optimizer subtracted and its state after the update. The optimizer's step counter is
t = s + 1. Its state before the update is the previous record's when step s − 1 was
recorded, zeros at the first step, and otherwise derived by running the state's own
recurrence backwards (m_{t−1} = (m_t − (1 − β1) g) / β1 and likewise), which is exact up
to rounding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from engine.core.optimizers import Optimizer, make_optimizer
from engine.training.records import Run

# Where the state before the update comes from.
STATE_SOURCES = {
    "none": "this optimizer keeps no state",
    "initial": "the optimizer starts from zeros",
    "recorded": "recorded at the previous step",
    "derived": "derived from the state after the step",
}


@dataclass(frozen=True)
class UpdateTerms:
    """Every named number of one weight's update at one step."""

    step: int  # the run's step s
    t: int  # the optimizer's step counter, s + 1
    layer: str
    i: int
    j: int
    optimizer: str  # the config's name: sgd, momentum, nesterov, rmsprop, adam, adamw
    kind: str  # the update rule: sgd, rmsprop, adam, adamw
    lr: float
    weight_decay: float  # L2 (added to the gradient) or, for adamw, decoupled
    momentum: float
    nesterov: bool
    alpha: float
    beta1: float
    beta2: float
    eps: float
    w_before: float
    grad: float  # dL/dw of the step, as the Backward pass shows it
    g: float  # the gradient the rule uses: grad + weight_decay * w for L2
    state_before: dict[str, float] = field(default_factory=dict)
    state_after: dict[str, float] = field(default_factory=dict)
    state_source: str = "none"  # a key of STATE_SOURCES
    direction: float = 0.0  # what lr multiplies: g, the velocity, g/(√s+ε), m̂/(√v̂+ε)
    m_hat: float | None = None  # Adam: m / (1 − β1^t)
    v_hat: float | None = None  # Adam: v / (1 − β2^t)
    decay: float | None = None  # AdamW: lr * weight_decay * w
    update: float = 0.0  # what the optimizer subtracted, as recorded
    recomputed: float = 0.0  # the same update from the terms above
    w_after: float = 0.0  # w_before - update

    @property
    def bias1(self) -> float:
        """Adam's first bias correction 1 − β1^t."""
        return 1.0 - self.beta1**self.t

    @property
    def bias2(self) -> float:
        """Adam's second bias correction 1 − β2^t."""
        return 1.0 - self.beta2**self.t


def has_update(run: Run, step: int) -> bool:
    """Whether the run kept step `step`'s update (not for huge networks or a diverged step)."""
    record = run.records.get(step)
    return record is not None and record.update is not None and step != run.diverged_at


def _kept_update(run: Run, step: int) -> np.ndarray:
    """The flat update of recorded step `step`; a ValueError when the run kept none."""
    update = run.records[step].update if has_update(run, step) else None
    if update is None:
        raise ValueError(f"step {step} kept no optimizer update")
    return update


def _scalar(flat: np.ndarray, start: int, index: int) -> float:
    return float(flat[start + index])


def update_terms(run: Run, step: int, layer: str, i: int, j: int) -> UpdateTerms:
    """The update of weight W[i, j] of `layer` at recorded step `step`, term by term."""
    flat_update = _kept_update(run, step)
    record = run.records[step]
    c = run.config
    opt = make_optimizer(c.optimizer, lr=c.lr, weight_decay=c.weight_decay or None)
    key = f"{layer}.W"
    names = list(record.params)
    start = record.params.offsets[names.index(key)]
    fan_out = record.params[key].shape[1]
    index = i * fan_out + j
    w = _scalar(record.params.flat, start, index)
    grad = _scalar(record.grads.flat, start, index)
    decay_l2 = opt.weight_decay if opt.kind != "adamw" else 0.0
    g = grad + decay_l2 * w if decay_l2 else grad
    after = {s: _scalar(v, start, index) for s, v in record.state.items()}
    before, source = _state_before(run, step, start, index, after, g, opt)
    t = step + 1
    lr = opt.lr
    m_hat = v_hat = decay = None
    if opt.kind == "sgd":
        if opt.momentum > 0:
            buf = after["velocity"]
            direction = g + opt.momentum * buf if opt.nesterov else buf
        else:
            direction = g
        recomputed = lr * direction
    elif opt.kind == "rmsprop":
        direction = g / (math.sqrt(after["square_avg"]) + opt.eps)
        recomputed = lr * direction
    else:
        b1, b2 = opt.betas
        m, v = after["m"], after["v"]
        m_hat, v_hat = m / (1.0 - b1**t), v / (1.0 - b2**t)
        # The engine's (and torch's) order: lr/(1−β1^t) · m / (√v/√(1−β2^t) + ε).
        denom = math.sqrt(v) / math.sqrt(1.0 - b2**t) + opt.eps
        direction = m / (1.0 - b1**t) / denom
        recomputed = lr / (1.0 - b1**t) * m / denom
        if opt.kind == "adamw" and opt.weight_decay:
            decay = lr * opt.weight_decay * w
            recomputed += decay
    update = _scalar(flat_update, start, index)
    return UpdateTerms(
        step=step,
        t=t,
        layer=layer,
        i=i,
        j=j,
        optimizer=c.optimizer,
        kind=opt.kind,
        lr=lr,
        weight_decay=opt.weight_decay,
        momentum=opt.momentum,
        nesterov=opt.nesterov,
        alpha=opt.alpha,
        beta1=opt.betas[0],
        beta2=opt.betas[1],
        eps=opt.eps,
        w_before=w,
        grad=grad,
        g=g,
        state_before=before,
        state_after=after,
        state_source=source,
        direction=direction,
        m_hat=m_hat,
        v_hat=v_hat,
        decay=decay,
        update=update,
        recomputed=recomputed,
        w_after=w - update,
    )


def _state_before(
    run: Run,
    step: int,
    start: int,
    index: int,
    after: dict[str, float],
    g: float,
    opt: Optimizer,
) -> tuple[dict[str, float], str]:
    """The optimizer's state for this weight before the step, and where it comes from."""
    if not after:
        return {}, "none"
    if step == 0:
        return {s: 0.0 for s in after}, "initial"
    previous = run.records.get(step - 1)
    if previous is not None and previous.state:
        return {s: _scalar(v, start, index) for s, v in previous.state.items()}, "recorded"
    # Each state is decay * previous + (1 - decay or 1) * new term: solve for previous.
    derived: dict[str, float] = {}
    for s, value in after.items():
        if s == "velocity":
            derived[s] = (value - g) / opt.momentum
        elif s == "square_avg":
            derived[s] = (value - (1.0 - opt.alpha) * g * g) / opt.alpha
        elif s == "m":
            derived[s] = (value - (1.0 - opt.betas[0]) * g) / opt.betas[0]
        else:
            derived[s] = (value - (1.0 - opt.betas[1]) * g * g) / opt.betas[1]
    return derived, "derived"


def batch_rows(run: Run, step: int) -> np.ndarray:
    """The training-set rows of step `step`'s whole batch, replaying the loop's sampling order."""
    n = len(run.data.X_train)
    batch = min(run.config.batch_size, n)
    order_rng = np.random.default_rng(run.config.seed + 1)
    order = order_rng.permutation(n)
    pos = 0
    for _ in range(step):
        if pos + batch > n:
            order = order_rng.permutation(n)
            pos = 0
        pos += batch
    if pos + batch > n:
        order = order_rng.permutation(n)
        pos = 0
    return order[pos : pos + batch]


@dataclass(frozen=True)
class StepEffect:
    """The batch's loss before and after one step's update, and each layer's update ratio."""

    step: int
    loss_before: float  # on the step's whole batch, weights before the update, no dropout
    loss_after: float  # same batch, weights after the update
    ratios: dict[str, float]  # ||ΔW|| / ||W|| per layer

    @property
    def change(self) -> float:
        """loss_after − loss_before: negative when the step helped."""
        return self.loss_after - self.loss_before


def step_effect(run: Run, step: int) -> StepEffect:
    """What the update of recorded step `step` did to its own batch's loss, and its sizes."""
    flat_update = _kept_update(run, step)
    record = run.records[step]
    rows = batch_rows(run, step)
    X = np.asarray(run.data.X_train[rows], dtype=record.params.flat.dtype)
    before_net = run.network(record.params)
    Y = before_net.targets(run.data.y_train[rows])
    after = record.params.copy()
    after.flat -= flat_update
    with np.errstate(over="ignore", invalid="ignore"):
        loss_before = float(before_net.evaluate(X, Y, run.config.loss)[0])
        loss_after = float(run.network(after).evaluate(X, Y, run.config.loss)[0])
    return StepEffect(step, loss_before, loss_after, update_ratios(run, step))


def update_ratios(run: Run, step: int) -> dict[str, float]:
    """||ΔW|| / ||W|| of every layer at recorded step `step` (inf for all-zero weights)."""
    record = run.records[step]
    updates = record.params.wrap(_kept_update(run, step))
    ratios = {}
    for name, layer in record.layers.items():
        w_norm = float(np.linalg.norm(layer.W))
        upd = float(np.linalg.norm(updates[f"{name}.W"]))
        ratios[name] = upd / w_norm if w_norm > 0 else math.inf
    return ratios
