"""Mini-batch training that records every step."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from engine.core.losses import loss_and_dlogits
from engine.core.network import Network, Trace, accuracy
from engine.core.optimizers import Optimizer, make_optimizer
from engine.core.params import FlatDict
from engine.training.config import Config
from engine.training.datasets import Dataset, make_dataset
from engine.training.records import LAYER_METRICS, LayerRecord, Run, StepRecord

DEFAULT_BUDGET = 32 * 2**20  # bytes of recorded tensors
MAX_EVALS = 500  # full-data evaluations per run; more steps evaluate at a stride
MAX_RECORDS = 100  # recorded steps per run: plenty for a step scrubber, cheap to keep
RECORD_ROWS = 32  # samples of the batch whose per-sample tensors (z, a, delta) are kept

Progress = Callable[[int, int, float], None]


def dataset_for(config: Config) -> Dataset:
    """The built-in data set a config describes."""
    return make_dataset(
        config.dataset, config.samples, config.noise, config.train_share, config.seed
    )


def record_bytes(net: Network, rows: int, n_state: int, with_optimizer: bool = True) -> int:
    """Bytes one recorded step holds, for planning the stride."""
    itemsize = net.dtype.itemsize
    hidden = sum(net.sizes[1:-1])
    per_unit = 3 + net.layer_norm + (net.dropout > 0) + net.residual  # z, a, delta, zn, mask, h_out
    acts = rows * (hidden * per_unit + 3 * net.sizes[-1] + net.sizes[0] + net.sizes[-1])
    per_param = 2 + (1 + n_state if with_optimizer else 0)  # W, dW, update, state
    return itemsize * (acts + net.params.flat.size * per_param) + 8 * rows


def plan_stride(steps: int, per_record: int, budget: int) -> int:
    """Smallest stride whose recorded steps (first, every stride-th, last) fit the budget."""
    max_records = max(2, min(MAX_RECORDS, budget // max(per_record, 1)))
    if steps <= max_records:
        return 1
    # Records at 0, s, 2s, ... plus the last step: ceil((steps-1)/s) + 1 <= max_records.
    return max(1, math.ceil((steps - 1) / (max_records - 1)))


class _Scalars:
    """Computes the per-layer scalars of a step with a few whole-network operations."""

    def __init__(self, net: Network) -> None:
        names = list(net.params)
        self.w_index = np.array([i for i, n in enumerate(names) if n.endswith(".W")])
        widths = net.sizes[1:-1]
        self.unit_starts = np.concatenate([[0], np.cumsum(widths)[:-1]]).astype(np.intp)
        self.widths = np.array(widths, dtype=float)
        self.depth = net.depth
        self.activation = net.activation

    def fill(self, row: np.ndarray, trace: Trace, sq_w: np.ndarray, grads: FlatDict, upd) -> None:
        g = grads.flat
        sq_g = np.add.reduceat(g * g, grads.offsets)[self.w_index]
        sq_u = np.add.reduceat(upd * upd, grads.offsets)[self.w_index]
        w_norm = np.sqrt(sq_w)
        row[:, 0] = np.sqrt(sq_g)
        row[:, 1] = w_norm
        with np.errstate(divide="ignore", invalid="ignore"):
            row[:, 2] = np.sqrt(sq_u) / w_norm
        if self.depth == 0:
            return
        A = np.concatenate([c.a for c in trace.layers], axis=1)
        n = A.shape[0]
        count = n * self.widths
        s1 = np.add.reduceat(A.sum(axis=0), self.unit_starts)
        s2 = np.add.reduceat((A * A).sum(axis=0), self.unit_starts)
        mean = s1 / count
        row[:-1, 3] = mean
        row[:-1, 4] = np.sqrt(np.maximum(s2 / count - mean * mean, 0.0))
        if self.activation in ("tanh", "softsign"):
            sat = (np.abs(A) > 0.97).sum(axis=0)
            row[:-1, 5] = np.add.reduceat(sat, self.unit_starts) / count
        elif self.activation == "sigmoid":
            sat = ((A < 0.03) | (A > 0.97)).sum(axis=0)
            row[:-1, 5] = np.add.reduceat(sat, self.unit_starts) / count
        if self.activation == "relu":
            dead = ~(A > 0).any(axis=0)
            row[:-1, 6] = np.add.reduceat(dead, self.unit_starts) / self.widths


def _layer_records(
    net: Network,
    trace: Trace,
    params: FlatDict,
    grads: FlatDict,
    upd: FlatDict | None,
    state: dict[str, FlatDict],
    rows: int,
) -> dict[str, LayerRecord]:
    # Per-sample tensors keep their first `rows` samples; the rest of the batch is freed.
    out: dict[str, LayerRecord] = {}
    for i, c in enumerate(trace.layers, start=1):
        out[f"h{i}"] = LayerRecord(
            name=f"h{i}",
            z=_rows(c.z, rows),
            a=_rows(c.a, rows),
            delta=_rows(c.delta, rows),
            params=params,
            grads=grads,
            updates=upd,
            states=state,
            zn=_rows(c.zn, rows) if net.layer_norm else None,
            mask=None if c.mask is None else _rows(c.mask, rows),
            h_out=_rows(c.h_out, rows) if c.residual else None,
        )
    out["out"] = LayerRecord(
        name="out",
        z=_rows(trace.logits, rows),
        a=_rows(trace.y_hat, rows),
        delta=_rows(trace.delta_out, rows),
        params=params,
        grads=grads,
        updates=upd,
        states=state,
    )
    return out


class BatchOrder:
    """Which training rows each step uses: a fresh permutation of the set every epoch.

    Batches are consecutive slices of the permutation; a remainder too small for a full
    batch is skipped and the next epoch reshuffles. The permutations come from seed + 1.
    """

    def __init__(self, n: int, batch: int, seed: int) -> None:
        self.n, self.batch = n, batch
        self.rng = np.random.default_rng(seed + 1)
        self.order = self.rng.permutation(n)
        self.pos = 0

    def next(self) -> np.ndarray:
        """Row indices of the next batch."""
        if self.pos + self.batch > self.n:
            self.order = self.rng.permutation(self.n)
            self.pos = 0
        idx = self.order[self.pos : self.pos + self.batch]
        self.pos += self.batch
        return idx


@dataclass
class Plan:
    """When a run records tensors and evaluates on the full data sets."""

    steps: int
    stride: int  # record every stride-th step (and the last); 0: record nothing
    keep_optimizer: bool  # recorded steps keep updates and optimizer state
    eval_steps: list[int]

    def records(self, step: int) -> bool:
        """Whether this step's tensors are recorded."""
        return self.stride > 0 and (step % self.stride == 0 or step == self.steps - 1)


def plan_run(net: Network, steps: int, batch: int, n_state: int, record: bool, budget: int) -> Plan:
    """The recording stride that fits the memory budget, and the evaluation steps."""
    rows = min(batch, RECORD_ROWS)
    # A network too large for two full records keeps weights and gradients only.
    keep_optimizer = 2 * record_bytes(net, rows, n_state) <= budget
    per_record = record_bytes(net, rows, n_state, keep_optimizer)
    stride = plan_stride(steps, per_record, budget) if record else 0
    eval_stride = max(1, math.ceil(steps / MAX_EVALS))
    eval_steps = sorted(set(range(0, steps, eval_stride)) | {steps - 1})
    return Plan(steps, stride, keep_optimizer, eval_steps)


@dataclass
class _Log:
    """The per-step numbers of a run as it trains."""

    losses: np.ndarray  # (steps,)
    scalars: np.ndarray  # (steps, layers, metrics)
    evals: np.ndarray  # (evaluations, 4): train loss, test loss, train acc, test acc
    stats: _Scalars  # computes the per-layer scalars
    records: dict[int, StepRecord] = field(default_factory=dict)
    n_evals: int = 0
    diverged_at: int | None = None


def _update_and_record(
    net: Network, opt: Optimizer, step: int, idx: np.ndarray, trace: Trace, plan: Plan, log: _Log
) -> None:
    """Apply the step's update; log its scalars, and its tensors when the plan records it."""
    p, stats = net.params, log.stats
    keep = plan.records(step)
    before = p.copy() if keep else p
    sq_w = np.add.reduceat(p.flat * p.flat, p.offsets)[stats.w_index]
    opt.step(p, trace.grads)
    stats.fill(log.scalars[step], trace, sq_w, trace.grads, opt.last_update)
    if keep:
        upd, state = None, {}
        if plan.keep_optimizer:
            upd = opt.last_update
            state = {s: opt.flat_state[s].copy() for s in opt.state_names}
        log.records[step] = _make_record(net, step, idx, trace, before, upd, state)


@dataclass
class _EvalSets:
    """The training and test sets stacked, so one forward pass evaluates both."""

    X: np.ndarray  # (n_train + n_test, inputs): training rows first
    Y: np.ndarray  # (n_train, outputs), targets in the output's shape
    Y_test: np.ndarray  # (n_test, outputs)

    def evaluate(self, net: Network, loss: str) -> tuple[float, float, float, float]:
        """Train loss, test loss, train accuracy and test accuracy: net.evaluate on each set.

        One forward pass over both sets instead of two: evaluating after every step is
        about half of a run's training time (26 of 59 ms for the default config).
        """
        trace = net.forward(self.X)  # no dropout masks: evaluation, not training
        n = len(self.Y)
        train = _scores(net, loss, trace, slice(0, n), self.Y)
        test = _scores(net, loss, trace, slice(n, None), self.Y_test)
        return train[0], test[0], train[1], test[1]


def _scores(
    net: Network, loss: str, trace: Trace, rows: slice, Y: np.ndarray
) -> tuple[float, float]:
    """Loss and accuracy of the trace's rows against Y (NaN for an empty set)."""
    if not len(Y):
        return np.nan, np.nan
    logits, y_hat = trace.logits[rows], trace.y_hat[rows]
    value, _ = loss_and_dlogits(loss, net.output, logits, y_hat, Y)
    return value, accuracy(y_hat, Y, net.output)


def _evaluate(net: Network, sets: _EvalSets, loss: str, log: _Log) -> None:
    """Loss and accuracy on the full training and test sets, appended to the log."""
    log.evals[log.n_evals] = sets.evaluate(net, loss)
    log.n_evals += 1


def train(
    config: Config,
    on_progress: Progress | None = None,
    data: Dataset | None = None,
    record: bool = True,
    budget: int = DEFAULT_BUDGET,
    dtype: type = np.float64,
    initial_params: FlatDict | None = None,
) -> Run:
    """Train the network a config describes, recording scalars every step and tensors at a stride.

    Stops at the first step whose loss is NaN or infinite and records it as the divergence.
    """
    data = data if data is not None else dataset_for(config)
    net = config.network(data.n_outputs, dtype)
    if initial_params is not None:
        np.copyto(net.params.flat, initial_params.flat)
    # weight_decay 0 means the optimizer's own default: none, or AdamW's 0.01.
    opt = make_optimizer(config.optimizer, lr=config.lr, weight_decay=config.weight_decay or None)
    X: np.ndarray = np.asarray(data.X_train, dtype=dtype)
    Y = net.targets(data.y_train)
    X_all = np.concatenate([X, np.asarray(data.X_test, dtype=dtype).reshape(-1, X.shape[1])])
    sets = _EvalSets(X_all, Y, net.targets(data.y_test))
    steps, batch = config.steps, min(config.batch_size, len(X))
    plan = plan_run(net, steps, batch, len(opt.state_names), record, budget)
    is_eval = set(plan.eval_steps)
    log = _Log(
        losses=np.full(steps, np.nan),
        scalars=np.full((steps, len(net.layer_names), len(LAYER_METRICS)), np.nan),
        evals=np.full((len(plan.eval_steps), 4), np.nan),
        stats=_Scalars(net),
    )
    order = BatchOrder(len(X), batch, config.seed)
    report_every = max(1, steps // 100)
    # A diverging run overflows on its way to the non-finite loss that stops it: expected,
    # detected from the loss, and not worth a RuntimeWarning in the server log.
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(steps):
            idx = order.next()
            masks = net.sample_masks(len(idx))
            trace = net.train_step_trace(X[idx], Y[idx], config.loss, masks)
            log.losses[step] = trace.loss
            if not math.isfinite(trace.loss):
                log.diverged_at = step
                if record:  # show the step where it broke: its weights and overflowing values
                    zero = np.zeros_like(net.params.flat) if plan.keep_optimizer else None
                    log.records[step] = _make_record(
                        net, step, idx, trace, net.params.copy(), zero, {}
                    )
                break
            _update_and_record(net, opt, step, idx, trace, plan, log)
            if step in is_eval:
                _evaluate(net, sets, config.loss, log)
            if on_progress is not None and (step % report_every == 0 or step == steps - 1):
                on_progress(step + 1, steps, trace.loss)
    return _finish(config, data, net, plan, log, opt.state_names)


def _finish(
    config: Config,
    data: Dataset,
    net: Network,
    plan: Plan,
    log: _Log,
    state_names: tuple[str, ...],
) -> Run:
    """The Run of a finished (or diverged) training loop."""
    steps_run = plan.steps if log.diverged_at is None else log.diverged_at + 1
    n, evals = log.n_evals, log.evals
    if data.task == "regression":
        evals[:, 2:] = np.nan
    return Run(
        config=config,
        data=data,
        layer_names=net.layer_names,
        sizes=net.sizes,
        steps_run=steps_run,
        loss=log.losses[:steps_run],
        layer_scalars=log.scalars[:steps_run],
        eval_steps=np.array(plan.eval_steps[:n], dtype=int),
        train_loss=evals[:n, 0],
        test_loss=evals[:n, 1],
        train_acc=evals[:n, 2],
        test_acc=evals[:n, 3],
        records=log.records,
        stride=plan.stride,
        diverged_at=log.diverged_at,
        final_params=net.params.copy(),
        state_names=state_names,
    )


def _rows(arr: np.ndarray, rows: int) -> np.ndarray:
    # A copy of the first rows, so the full batch array can be freed.
    return arr if arr.shape[0] <= rows else arr[:rows].copy()


def _make_record(
    net: Network,
    step: int,
    idx: np.ndarray,
    trace: Trace,
    params: FlatDict,
    upd_flat: np.ndarray | None,
    state_flat: dict[str, np.ndarray],
) -> StepRecord:
    rows = RECORD_ROWS
    upd = params.wrap(upd_flat) if upd_flat is not None else None
    state = {s: params.wrap(v) for s, v in state_flat.items()}
    return StepRecord(
        step=step,
        batch_index=idx[:rows].copy(),
        x=_rows(trace.x, rows),
        y=_rows(trace.y, rows),
        loss=trace.loss,
        layers=_layer_records(net, trace, params, trace.grads, upd, state, rows),
        params=params,
        grads=trace.grads,
        update=upd.flat if upd is not None else None,
        state={s: v.flat for s, v in state.items()},
    )
