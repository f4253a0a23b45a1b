"""Every setting of one experiment: its limits, validation, and the budgets that keep a run small.

Reading settings from a link (text, grids, warnings) is the app's job: ui/settings.py.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from engine.core.activations import ACTIVATIONS
from engine.core.initializers import INITS
from engine.core.losses import OUTPUTS, VALID_OUTPUTS
from engine.core.network import MAX_DEPTH, MAX_WIDTH, Network
from engine.core.optimizers import OPTIMIZERS
from engine.training.datasets import DATASETS, MAX_SAMPLES, MIN_SAMPLES, task_of

# Losses (and the output each implies by default) that fit each task.
TASK_LOSSES: dict[str, tuple[str, ...]] = {
    "binary": ("bce", "mse"),
    "multiclass": ("cross_entropy", "mse", "cosine"),
    "regression": ("mse",),
}
DEFAULT_OUTPUT = {
    ("binary", "bce"): "sigmoid",
    ("binary", "mse"): "sigmoid",
    ("multiclass", "cross_entropy"): "softmax",
    ("multiclass", "mse"): "softmax",
    ("multiclass", "cosine"): "softmax",
    ("regression", "mse"): "identity",
}
TASK_OUTPUTS: dict[str, tuple[str, ...]] = {
    "binary": ("sigmoid", "identity"),
    "multiclass": ("softmax", "identity", "sigmoid"),
    "regression": ("identity",),
}

# Compute budget of a run, in multiply-adds of the forward passes plus a fixed cost per
# layer and step (Python overhead, worth about LAYER_OVERHEAD multiply-adds). A shared
# demo must stay responsive for every visitor, so a larger request gets fewer steps,
# with a warning. 4e9 is about 5 s on one core.
MAX_WORK = 4e9
LAYER_OVERHEAD = 25_000
# Largest network: 64 layers x 62 units, or 4 layers x 256, and anything between.
MAX_PARAMS = 250_000

UPLOAD_PREFIX = "upload_"
UPLOAD_DATASETS = tuple(UPLOAD_PREFIX + t for t in ("binary", "multiclass", "regression"))


@dataclass(frozen=True)
class Limit:
    """What one setting may be: its type, default, and its range or choices."""

    kind: type
    default: Any
    lo: float | None = None
    hi: float | None = None
    choices: tuple | None = None


# The one table of limits: Config checks it, the app's sliders and link check derive from it.
LIMITS: dict[str, Limit] = {
    "dataset": Limit(str, "circle", choices=DATASETS + UPLOAD_DATASETS),
    "noise": Limit(float, 0.1, 0.0, 0.5),
    "samples": Limit(int, 300, MIN_SAMPLES, MAX_SAMPLES),
    "train_share": Limit(float, 0.7, 0.1, 0.9),
    "depth": Limit(int, 2, 1, MAX_DEPTH),
    "width": Limit(int, 8, 1, MAX_WIDTH),
    "activation": Limit(str, "tanh", choices=tuple(ACTIVATIONS)),
    "init": Limit(str, "xavier_normal", choices=INITS),
    "init_std": Limit(float, 0.1, 0.001, 1.0),
    "residual": Limit(bool, False),
    "layer_norm": Limit(bool, False),
    "dropout": Limit(float, 0.0, 0.0, 0.8),
    "loss": Limit(str, "bce", choices=tuple(VALID_OUTPUTS)),
    "output": Limit(str, "sigmoid", choices=OUTPUTS),
    "optimizer": Limit(str, "adam", choices=OPTIMIZERS),
    "lr": Limit(float, 0.03, 1e-4, 100.0),
    "batch_size": Limit(int, 32, 1, 1024),
    "steps": Limit(int, 300, 1, 3000),
    "weight_decay": Limit(float, 0.0, 0.0, 0.1),
    "seed": Limit(int, 0, 0, 2**31 - 1),
}


@dataclass(frozen=True)
class Config:
    """One experiment: data, network and training. Hashable, so it keys the run cache."""

    dataset: str = "circle"
    noise: float = 0.1
    samples: int = 300
    train_share: float = 0.7
    depth: int = 2
    width: int = 8
    activation: str = "tanh"
    init: str = "xavier_normal"
    init_std: float = 0.1
    residual: bool = False
    layer_norm: bool = False
    dropout: float = 0.0
    loss: str = "bce"
    output: str = "sigmoid"
    optimizer: str = "adam"
    lr: float = 0.03
    batch_size: int = 32
    steps: int = 300
    weight_decay: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        problems = _check(self)
        if problems:
            raise ValueError("; ".join(problems))

    @property
    def task(self) -> str:
        """binary, multiclass or regression."""
        return task_of(self.dataset)

    @property
    def n_train(self) -> int:
        """Number of training samples."""
        return min(max(1, round(self.samples * self.train_share)), self.samples - 1)

    @property
    def effective_batch(self) -> int:
        """The batch size actually used: never more than the training set."""
        return min(self.batch_size, self.n_train)

    def sizes(self, n_outputs: int | None = None) -> list[int]:
        """Layer widths: 2 inputs, `depth` hidden layers of `width`, the outputs."""
        n_out = n_outputs if n_outputs is not None else (3 if self.task == "multiclass" else 1)
        return [2] + [self.width] * self.depth + [n_out]

    def network(self, n_outputs: int | None = None, dtype: type = np.float64) -> Network:
        """The network this config describes, freshly initialised from its seed."""
        return Network(
            self.sizes(n_outputs),
            activation=self.activation,
            output=self.output,
            residual=self.residual,
            layer_norm=self.layer_norm,
            dropout=self.dropout,
            init=self.init,
            seed=self.seed,
            dtype=dtype,
            init_std=self.init_std,
        )

    def replace(self, **changes: Any) -> Config:
        """A copy with some settings changed, clamped the same way as URL values."""
        return Config.from_dict({**self.to_dict(), **changes})[0]

    def to_dict(self) -> dict[str, Any]:
        """Settings as a plain dict of Python values."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def to_params(self) -> dict[str, str]:
        """Settings as a flat dict of strings for the URL (exact round trip)."""
        return {k: format_value(v) for k, v in self.to_dict().items()}

    def changed_params(self) -> dict[str, str]:
        """Only the settings that differ from the defaults, as URL strings."""
        default = Config().to_params()
        return {k: v for k, v in self.to_params().items() if default[k] != v}

    @classmethod
    def from_dict(
        cls, values: dict[str, Any], notes: list[str] | None = None
    ) -> tuple[Config, list[str]]:
        """A config from valid values (defaults for the rest), shrunk to the run budgets.

        Raises ValueError for a value of the wrong type or out of range. Returns the config
        and `notes`, extended with a sentence for each budget that changed a value.
        """
        notes = [] if notes is None else notes
        unknown = set(values) - set(LIMITS)
        if unknown:
            raise ValueError(f"unknown settings {sorted(unknown)}; settings are {list(LIMITS)}")
        clean = {name: values.get(name, limit.default) for name, limit in LIMITS.items()}
        problems = _check_values(clean)
        if problems:
            raise ValueError("; ".join(problems))
        for name, limit in LIMITS.items():  # NumPy numbers become plain Python ones
            if limit.kind in (int, float):
                clean[name] = limit.kind(clean[name])
        _fit_loss_to_task(clean, notes, given=set(values))
        _fit_param_budget(clean, notes)
        _fit_work_budget(clean, notes)
        return cls(**clean), notes


def format_value(v: Any) -> str:
    """A value as URL text, as Streamlit writes it: true/false, str() of numbers."""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)  # str(float) is the shortest text that round-trips exactly


def _fit_loss_to_task(clean: dict[str, Any], warnings: list[str], given: set[str]) -> None:
    # A loss or output left at its default follows the task silently; one the link
    # asked for explicitly gets a warning when it has to change.
    task = task_of(clean["dataset"])
    losses = TASK_LOSSES[task]
    if clean["loss"] not in losses:
        if "loss" in given:
            warnings.append(f"loss: {clean['loss']} does not fit a {task} task; using {losses[0]}.")
        clean["loss"] = losses[0]
    allowed = tuple(o for o in TASK_OUTPUTS[task] if o in VALID_OUTPUTS[clean["loss"]])
    if clean["output"] not in allowed:
        fitted = DEFAULT_OUTPUT[(task, clean["loss"])]
        if "output" in given:
            warnings.append(
                f"output: {clean['output']} does not fit loss {clean['loss']}; using {fitted}."
            )
        clean["output"] = fitted


def parameter_count(depth: int, width: int, n_out: int = 1, layer_norm: bool = False) -> int:
    """Number of parameters of a 2-input network."""
    hidden = (2 + 1) * width + (depth - 1) * (width + 1) * width
    return hidden + (width + 1) * n_out + (2 * width * depth if layer_norm else 0)


def _fit_param_budget(clean: dict[str, Any], warnings: list[str]) -> None:
    n_out = 3 if task_of(clean["dataset"]) == "multiclass" else 1
    width = clean["width"]
    while width > 1 and (
        parameter_count(clean["depth"], width, n_out, clean["layer_norm"]) > MAX_PARAMS
    ):
        width -= 1
    if width != clean["width"]:
        warnings.append(
            f"width: {clean['depth']} layers of {clean['width']} units exceed this demo's "
            f"{MAX_PARAMS:,} weights; using {width} units."
        )
        clean["width"] = width


def _fit_work_budget(clean: dict[str, Any], warnings: list[str]) -> None:
    n_train = min(max(1, round(clean["samples"] * clean["train_share"])), clean["samples"] - 1)
    batch = min(clean["batch_size"], n_train)
    n_out = 3 if task_of(clean["dataset"]) == "multiclass" else 1
    n_params = parameter_count(clean["depth"], clean["width"], n_out, clean["layer_norm"])
    # Elementwise work (activations, LayerNorm, dropout): about 30 operations per unit.
    units = clean["depth"] * clean["width"]
    per_step = batch * (n_params + 30 * units) + LAYER_OVERHEAD * (clean["depth"] + 1)
    max_steps = max(1, int(MAX_WORK // per_step))
    if clean["steps"] > max_steps:
        warnings.append(
            f"steps: {clean['steps']} steps of this network would take too long here; "
            f"using {max_steps}."
        )
        clean["steps"] = max_steps


def _check_values(values: dict[str, Any]) -> list[str]:
    """What is wrong with each value: its type, its range, or its choice."""
    problems = []
    for name, limit in LIMITS.items():
        v = values[name]
        if limit.kind is bool:
            ok = isinstance(v, bool)
        elif limit.choices is not None:
            ok = v in limit.choices
        else:
            number = isinstance(v, int | float | np.integer | np.floating) and not isinstance(
                v, bool
            )
            ok = number and limit.lo <= v <= limit.hi
            ok = ok and (limit.kind is not int or float(v).is_integer())
        if not ok:
            where = limit.choices or f"{limit.kind.__name__} in [{limit.lo}, {limit.hi}]"
            problems.append(f"{name}={_shown(v)} is not allowed (expected {where})")
    return problems


def _shown(value: Any) -> str:
    """repr(value) cut to 40 characters; any object at all (a huge int's repr raises)."""
    try:
        text = repr(value)
    except Exception:  # an error message about a value must not fail itself
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 40 else text[:39] + "…"


def _check(cfg: Config) -> list[str]:
    problems = _check_values(cfg.to_dict())
    if not problems:
        task = task_of(cfg.dataset)
        if cfg.loss not in TASK_LOSSES[task]:
            problems.append(f"loss {cfg.loss} does not fit a {task} task")
        elif cfg.output not in TASK_OUTPUTS[task] or cfg.output not in VALID_OUTPUTS[cfg.loss]:
            problems.append(f"output {cfg.output} does not fit loss {cfg.loss}")
    return problems
