"""Mini-batch training that records every step."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from engine.core.network import Network, Trace
from engine.core.optimizers import make_optimizer
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


def build_network(config: Config, n_outputs: int, dtype=np.float64) -> Network:
    """The network a config describes, freshly initialised from its seed."""
    return Network(
        config.sizes(n_outputs),
        activation=config.activation,
        output=config.output,
        residual=config.residual,
        layer_norm=config.layer_norm,
        dropout=config.dropout,
        init=config.init,
        seed=config.seed,
        dtype=dtype,
        init_std=config.init_std,
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


def train(
    config: Config,
    on_progress: Progress | None = None,
    data: Dataset | None = None,
    record: bool = True,
    budget: int = DEFAULT_BUDGET,
    dtype=np.float64,
    initial_params: FlatDict | None = None,
) -> Run:
    """Train the network a config describes, recording scalars every step and tensors at a stride.

    Stops at the first step whose loss is NaN or infinite and records it as the divergence.
    """
    data = data if data is not None else dataset_for(config)
    net = build_network(config, data.n_outputs, dtype)
    if initial_params is not None:
        np.copyto(net.params.flat, initial_params.flat)
    # weight_decay 0 means the optimizer's own default: none, or AdamW's 0.01.
    opt = make_optimizer(config.optimizer, lr=config.lr, weight_decay=config.weight_decay or None)
    X = np.asarray(data.X_train, dtype=dtype)
    Y = net.targets(data.y_train)
    X_test = np.asarray(data.X_test, dtype=dtype)
    Y_test = net.targets(data.y_test)
    n, steps = len(X), config.steps
    batch = min(config.batch_size, n)
    classify = data.task != "regression"
    state_names = opt.state_names

    rows = min(batch, RECORD_ROWS)
    # A network too large for two full records keeps weights and gradients only.
    keep_optimizer = 2 * record_bytes(net, rows, len(state_names)) <= budget
    per_record = record_bytes(net, rows, len(state_names), keep_optimizer)
    stride = plan_stride(steps, per_record, budget) if record else 0
    eval_stride = max(1, math.ceil(steps / MAX_EVALS))
    eval_steps = sorted(set(range(0, steps, eval_stride)) | {steps - 1})
    is_eval = np.zeros(steps, dtype=bool)
    is_eval[eval_steps] = True

    layer_names = net.layer_names
    losses = np.full(steps, np.nan)
    scalars = np.full((steps, len(layer_names), len(LAYER_METRICS)), np.nan)
    evals = np.full((len(eval_steps), 4), np.nan)
    records: dict[int, StepRecord] = {}
    stats = _Scalars(net)
    # Sampling order: a fresh permutation per epoch, from the config's seed.
    order_rng = np.random.default_rng(config.seed + 1)
    order = order_rng.permutation(n)
    pos = 0
    eval_i = 0
    diverged_at = None
    report_every = max(1, steps // 100)
    p = net.params

    # A diverging run overflows on its way to the non-finite loss that stops it: expected,
    # detected from the loss, and not worth a RuntimeWarning in the server log.
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(steps):
            if pos + batch > n:
                order = order_rng.permutation(n)
                pos = 0
            idx = order[pos : pos + batch]
            pos += batch
            keep = record and (step % stride == 0 or step == steps - 1)
            masks = net.sample_masks(len(idx))
            trace = net.train_step_trace(X[idx], Y[idx], config.loss, masks)
            loss = trace.loss
            losses[step] = loss
            if not math.isfinite(loss):
                diverged_at = step
                if record:
                    # Show the step where it broke: its weights and the overflowing values.
                    # A run too large to keep updates stores none here either.
                    zero = np.zeros_like(p.flat) if keep_optimizer else None
                    records[step] = _make_record(net, step, idx, trace, p.copy(), zero, {})
                break
            before = p.copy() if keep else None
            sq_w = np.add.reduceat(p.flat * p.flat, p.offsets)[stats.w_index]
            opt.step(p, trace.grads)
            stats.fill(scalars[step], trace, sq_w, trace.grads, opt.last_update)
            if keep:
                if keep_optimizer:
                    upd, state = opt.last_update, {s: opt.flat_state[s].copy() for s in state_names}
                else:
                    upd, state = None, {}
                records[step] = _make_record(net, step, idx, trace, before, upd, state)
            if is_eval[step]:
                tr = net.evaluate(X, Y, config.loss)
                te = net.evaluate(X_test, Y_test, config.loss) if len(X_test) else (np.nan, np.nan)
                evals[eval_i] = (tr[0], te[0], tr[1], te[1])
                eval_i += 1
            if on_progress is not None and (step % report_every == 0 or step == steps - 1):
                on_progress(step + 1, steps, loss)

    steps_run = steps if diverged_at is None else diverged_at + 1
    n_eval = eval_i
    if not classify:
        evals[:, 2:] = np.nan
    return Run(
        config=config,
        data=data,
        layer_names=layer_names,
        sizes=net.sizes,
        steps_run=steps_run,
        loss=losses[:steps_run],
        layer_scalars=scalars[:steps_run],
        eval_steps=np.array(eval_steps[:n_eval], dtype=int),
        train_loss=evals[:n_eval, 0],
        test_loss=evals[:n_eval, 1],
        train_acc=evals[:n_eval, 2],
        test_acc=evals[:n_eval, 3],
        records=records,
        stride=stride,
        diverged_at=diverged_at,
        final_params=p.copy(),
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
