"""Training the three kinds on a sequence task with Adam, recording what the page shows."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, fields

import numpy as np

from engine import make_optimizer
from engine.sequence.model import KINDS, SequenceModel, batch_norms
from engine.sequence.tasks import BASELINE_LOSS, MIN_LENGTH, TASK_INPUTS, TASKS, make_batch
from engine.training.jobs import JobsProgress, Runner, in_turn

# The server's limits for one run; each kind trains once per comparison.
LIMITS: dict[str, tuple[float, float]] = {
    "length": (MIN_LENGTH, 100),
    "hidden": (1, 64),
    "steps": (1, 500),
    "batch": (1, 64),
    "lr": (1e-5, 1.0),
    "forget_bias": (-5.0, 5.0),
}
# And a budget on the work of a comparison (the three kinds, one after the other). One
# training step of all three costs about 0.45 ms per unit of `step_cost` on one core here
# (measured from 20 to 100 time steps, 16 to 64 units, batch 32), so the budget is about 7 s:
# 500 steps at length 20 with 16 units, 80 steps at length 100 with 64 units.
MAX_WORK = 16_000
MAX_RECORDS = 21  # training steps at which the probe sequence's attention and gates are kept
TEST_SAMPLES = 256  # a fixed test batch, the same for every kind
SOLVED_SHARE = 0.1  # solved: the test loss is below 10 % of the loss of always answering 0

# The sweep over sequence lengths: small and short, so it finishes in a few seconds.
SWEEP_LENGTHS = (5, 10, 20, 40)
SWEEP_STEPS = 120
SWEEP_BATCH = 16
SWEEP_HIDDEN = 16

Progress = Callable[[float], None]


def step_cost(length: int, hidden: int, batch: int) -> float:
    """Work of one training step of the three kinds, in budget units (see MAX_WORK)."""
    return length * (1.0 + hidden / 64.0) * max(batch, 8) / 32.0


def max_steps(length: int, hidden: int, batch: int) -> int:
    """The most training steps the budget allows for this size, within LIMITS."""
    return int(min(LIMITS["steps"][1], max(1, MAX_WORK // step_cost(length, hidden, batch))))


@dataclass(frozen=True)
class SequenceConfig:
    """One sequence experiment. Out-of-budget values raise ValueError, naming the limit."""

    task: str = "copy_first"
    length: int = 20
    hidden: int = 16
    lr: float = 0.01
    steps: int = 200
    batch: int = 32
    forget_bias: float = 1.0
    seed: int = 0

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise ValueError(f"unknown task {self.task!r}; choose one of {', '.join(TASKS)}")
        for f in fields(self):
            if f.name not in LIMITS:
                continue
            value = getattr(self, f.name)
            lo, hi = LIMITS[f.name]
            if not (isinstance(value, int | float) and math.isfinite(value)):
                raise ValueError(f"{f.name} must be a finite number, got {value!r}")
            if f.type == "int" and int(value) != value:
                raise ValueError(f"{f.name} must be a whole number, got {value}")
            if not lo <= value <= hi:
                raise ValueError(
                    f"{f.name} = {value} is outside this server's limits: {lo:g} to {hi:g}"
                )
        most = max_steps(self.length, self.hidden, self.batch)
        if self.steps > most:
            raise ValueError(
                f"steps = {self.steps} is over this server's budget: at most {most} steps for "
                f"sequences of {self.length} with {self.hidden} units and batch {self.batch}"
            )

    @property
    def n_in(self) -> int:
        """Inputs per time step of the task."""
        return TASK_INPUTS[self.task]

    @property
    def baseline(self) -> float:
        """The loss of always answering the mean target, 0."""
        return BASELINE_LOSS[self.task]


@dataclass(frozen=True)
class SequenceRun:
    """One kind trained on one task. Per step (rows) and time step t (columns):

    loss (n,); grad_x (n, T): ||dL/dx_t||; grad_h (n, T): ||dL/dh_t|| (recurrent kinds);
    forget (n, T): mean forget gate (LSTM); attention_last (n, T): where the last position
    looks, averaged over the batch (attention). n = steps_run.
    At `record_steps` (after that many updates) for one fixed probe sequence: its attention
    weights (k, T, T) or forget gates (k, T, H).
    """

    kind: str
    config: SequenceConfig
    loss: np.ndarray
    grad_x: np.ndarray
    grad_h: np.ndarray | None
    forget: np.ndarray | None
    attention_last: np.ndarray | None
    record_steps: np.ndarray
    probe_X: np.ndarray
    probe_Y: np.ndarray
    probe_attention: np.ndarray | None
    probe_forget: np.ndarray | None
    test_loss_start: float
    test_loss_end: float
    diverged_at: int | None

    @property
    def steps_run(self) -> int:
        """Training steps taken (fewer than asked when training diverged)."""
        return len(self.grad_x)

    def ratio(self, at_start: bool = True) -> float:
        """||dL/dx_0|| / ||dL/dx_{T-1}|| at step 0, or at the last step taken."""
        if self.steps_run == 0:
            return math.nan
        row = self.grad_x[0 if at_start else -1]
        return float(row[0] / row[-1]) if row[-1] > 0 else math.nan

    @property
    def solved(self) -> bool:
        """Whether the test loss after training is below SOLVED_SHARE of the baseline."""
        return bool(self.test_loss_end < SOLVED_SHARE * self.config.baseline)


def memory_kept(forget: np.ndarray) -> np.ndarray:
    """forget (T, H) gates of one sequence -> (T,): the share of c_t still in c_{T-1}.

    dc_{T-1}/dc_t = f_{t+1} * ... * f_{T-1} per unit (1 for t = T-1), averaged over units.
    """
    kept = np.ones_like(forget)
    kept[:-1] = np.cumprod(forget[::-1], axis=0)[::-1][1:]
    return kept.mean(axis=1)


def record_points(steps: int, max_records: int = MAX_RECORDS) -> np.ndarray:
    """Evenly spread update counts from 0 to `steps`, both included."""
    return np.unique(np.linspace(0, steps, min(max_records, steps + 1)).round().astype(int))


def _data_streams(seed: int) -> tuple[np.random.Generator, ...]:
    """Independent generators for the training batches, the probe and the test batch."""
    return tuple(np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3))


def train_sequence(
    kind: str, config: SequenceConfig, on_progress: Progress | None = None
) -> SequenceRun:
    """Train one kind with Adam on fresh batches of the task; stop if the loss diverges."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; choose one of {', '.join(KINDS)}")
    c = config
    model = SequenceModel(kind, c.n_in, c.hidden, 1, seed=c.seed, forget_bias=c.forget_bias)
    opt = make_optimizer("adam", lr=c.lr)
    train_rng, probe_rng, test_rng = _data_streams(c.seed)
    probe_X, probe_Y = make_batch(c.task, 1, c.length, probe_rng)
    test_X, test_Y = make_batch(c.task, TEST_SAMPLES, c.length, test_rng)
    test_loss_start = model.loss(test_X, test_Y)

    T, n = c.length, c.steps
    loss = np.full(n, np.nan)
    grad_x = np.zeros((n, T))
    grad_h = np.zeros((n, T)) if kind != "attention" else None
    forget = np.zeros((n, T)) if kind == "lstm" else None
    attention_last = np.zeros((n, T)) if kind == "attention" else None
    points = record_points(n)
    due = set(points.tolist())
    probes: list[np.ndarray] = []

    def probe() -> None:
        # The probe sequence through the current weights: its attention or forget gates.
        t = model.trace(probe_X, probe_Y)
        shown = t.attention if t.attention is not None else t.forget
        if shown is not None:
            probes.append(shown[0])

    diverged_at = None
    for step in range(n):
        if step in due:
            probe()
        X, Y = make_batch(c.task, c.batch, T, train_rng)
        with np.errstate(all="ignore"):  # an overflow shows up as a non-finite loss, below
            t = model.trace(X, Y)
        loss[step] = t.loss
        if not math.isfinite(t.loss):
            diverged_at = step
            break
        grad_x[step] = batch_norms(t.dX)
        if grad_h is not None and t.dh is not None:
            grad_h[step] = batch_norms(t.dh)
        if forget is not None and t.forget is not None:
            forget[step] = t.forget.mean(axis=(0, 2))
        if attention_last is not None and t.attention is not None:
            attention_last[step] = t.attention[:, -1].mean(axis=0)
        opt.step(model.params, t.grads)
        if on_progress is not None:
            on_progress((step + 1) / n)

    steps_run = n if diverged_at is None else diverged_at
    if diverged_at is None:
        probe()  # after the last update
    kept = points[: len(probes)] if kind != "rnn" else points[:0]
    stacked = np.stack(probes) if probes else None
    return SequenceRun(
        kind=kind,
        config=c,
        loss=loss[: steps_run + (diverged_at is not None)],
        grad_x=grad_x[:steps_run],
        grad_h=None if grad_h is None else grad_h[:steps_run],
        forget=None if forget is None else forget[:steps_run],
        attention_last=None if attention_last is None else attention_last[:steps_run],
        record_steps=kept,
        probe_X=probe_X[0],
        probe_Y=probe_Y[0],
        probe_attention=stacked if kind == "attention" else None,
        probe_forget=stacked if kind == "lstm" else None,
        test_loss_start=test_loss_start,
        test_loss_end=model.loss(test_X, test_Y) if diverged_at is None else math.nan,
        diverged_at=diverged_at,
    )


def compare_kinds(
    config: SequenceConfig,
    on_progress: JobsProgress | None = None,
    run_jobs: Runner = in_turn,
) -> dict[str, SequenceRun]:
    """The same task, seed and settings trained with each kind.

    `run_jobs` runs the three trainings and reports the fraction done of each, in KINDS order.
    """
    jobs = [(kind, config) for kind in KINDS]
    return dict(zip(KINDS, run_jobs(train_sequence, jobs, on_progress), strict=True))


@dataclass(frozen=True)
class LengthSweep:
    """Test loss after a short training, as a share of the baseline, per kind and length."""

    lengths: tuple[int, ...]
    config: SequenceConfig  # the settings of the sweep's runs (its length is the last one)
    share: dict[str, np.ndarray]  # kind -> (len(lengths),)

    def solved(self, kind: str) -> np.ndarray:
        """(len(lengths),) bool: which lengths the kind solved."""
        return self.share[kind] < SOLVED_SHARE


def sweep_share(kind: str, config: SequenceConfig, on_progress: Progress | None = None) -> float:
    """One kind trained at one length of the sweep: its test loss as a share of the baseline."""
    return train_sequence(kind, config, on_progress).test_loss_end / config.baseline


def length_sweep(
    task: str,
    lr: float,
    seed: int = 0,
    lengths: tuple[int, ...] = SWEEP_LENGTHS,
    on_progress: Progress | None = None,
    forget_bias: float = 1.0,
    run_jobs: Runner = in_turn,
) -> LengthSweep:
    """Each kind trained briefly at each length: which ones still solve the task as T grows."""
    configs = [
        SequenceConfig(
            task=task,
            length=length,
            hidden=SWEEP_HIDDEN,
            lr=lr,
            steps=SWEEP_STEPS,
            batch=SWEEP_BATCH,
            forget_bias=forget_bias,
            seed=seed,
        )
        for length in lengths
    ]
    jobs = [(kind, config) for config in configs for kind in KINDS]
    report = None if on_progress is None else (lambda done: on_progress(sum(done) / len(done)))
    shares = np.array(run_jobs(sweep_share, jobs, report)).reshape(len(configs), len(KINDS))
    share = {kind: shares[:, j].copy() for j, kind in enumerate(KINDS)}
    return LengthSweep(tuple(lengths), configs[-1], share)
