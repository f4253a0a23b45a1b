"""Every setting of one experiment: validated, clamped, and turned into URL parameters."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

from engine.core.activations import ACTIVATIONS
from engine.core.initializers import INITS
from engine.core.losses import VALID_OUTPUTS
from engine.core.optimizers import OPTIMIZERS
from engine.training.datasets import DATASETS, task_of

# Learning rates offered on a log scale (a select slider in the app).
LR_GRID = (1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)

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

# Parameters Streamlit itself reads from the URL.
STREAMLIT_PARAMS = {"embed", "embed_options"}
UPLOAD_PREFIX = "upload_"
UPLOAD_DATASETS = tuple(UPLOAD_PREFIX + t for t in ("binary", "multiclass", "regression"))

_TRUE = {"1", "true", "yes", "on", "t", "y"}
_FALSE = {"0", "false", "no", "off", "f", "n"}


@dataclass(frozen=True)
class Field:
    """How one setting is checked: its type, default, and allowed values or range."""

    kind: type
    default: Any
    lo: float | None = None
    hi: float | None = None
    choices: tuple | None = None
    label: str = ""
    log: bool = False  # snap to the nearest choice on a log scale (0 stays 0)


NOISE_GRID = tuple(round(0.05 * i, 2) for i in range(11))
SHARE_GRID = tuple(round(0.1 * i, 1) for i in range(1, 10))
DROPOUT_GRID = tuple(round(0.1 * i, 1) for i in range(9))
INIT_STD_GRID = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
WEIGHT_DECAY_GRID = (0.0, 1e-4, 1e-3, 1e-2, 0.1)
BATCH_GRID = (1, 2, 4, 8, 10, 16, 32, 64, 128, 256, 512, 1024)

# Floats (and the batch size) take values from a grid, exactly as the app's sliders
# offer them, so every valid URL value is one a slider can show.
SPEC: dict[str, Field] = {
    "dataset": Field(str, "circle", choices=DATASETS + UPLOAD_DATASETS, label="data set"),
    "noise": Field(float, 0.1, choices=NOISE_GRID, label="noise"),
    "samples": Field(int, 300, 20, 2000, label="samples"),
    "train_share": Field(float, 0.7, choices=SHARE_GRID, label="training share"),
    "depth": Field(int, 2, 1, 64, label="hidden layers"),
    "width": Field(int, 8, 1, 256, label="units per layer"),
    "activation": Field(str, "tanh", choices=tuple(ACTIVATIONS), label="activation"),
    "init": Field(str, "xavier_normal", choices=INITS, label="initialisation"),
    "init_std": Field(float, 0.1, choices=INIT_STD_GRID, label="init std", log=True),
    "residual": Field(bool, False, label="residual connections"),
    "layer_norm": Field(bool, False, label="LayerNorm"),
    "dropout": Field(float, 0.0, choices=DROPOUT_GRID, label="dropout"),
    "loss": Field(str, "bce", choices=tuple(VALID_OUTPUTS), label="loss"),
    "output": Field(str, "sigmoid", choices=("identity", "sigmoid", "softmax"), label="output"),
    "optimizer": Field(str, "adam", choices=OPTIMIZERS, label="optimizer"),
    "lr": Field(float, 0.03, choices=LR_GRID, label="learning rate", log=True),
    "batch_size": Field(int, 32, choices=BATCH_GRID, label="batch size", log=True),
    "steps": Field(int, 300, 1, 3000, label="training steps"),
    "weight_decay": Field(float, 0.0, choices=WEIGHT_DECAY_GRID, label="weight decay", log=True),
    "seed": Field(int, 0, 0, 2**31 - 1, label="seed"),
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
    def from_params(cls, params: Any) -> tuple[Config, list[str]]:
        """A valid config from untrusted URL parameters, and warnings for what was fixed."""
        warnings: list[str] = []
        raw: dict[str, Any] = {}
        try:
            items = list(dict(params).items())
        except (TypeError, ValueError):
            return cls(), ["The link's settings could not be read; using the defaults."]
        for key, value in items:
            if key not in SPEC:
                if _text(key).lower() not in STREAMLIT_PARAMS:
                    warnings.append(f"'{_short(key)}' is not a setting of this app; ignored it.")
                continue
            if isinstance(value, list | tuple):
                value = value[-1] if value else ""
            value = _text(value)
            if key == "dataset" and value.startswith(UPLOAD_PREFIX):
                warnings.append(
                    "dataset: the link was made with an uploaded file, which a link cannot "
                    f"carry; using {SPEC['dataset'].default}."
                )
                continue
            raw[key] = value
        return cls.from_dict(raw, warnings)

    @classmethod
    def from_dict(
        cls, values: dict[str, Any], warnings: list[str] | None = None
    ) -> tuple[Config, list[str]]:
        """A valid config from loosely typed values, clamping and warning as needed."""
        warnings = [] if warnings is None else warnings
        clean: dict[str, Any] = {}
        for name, spec in SPEC.items():
            if name in values:
                clean[name] = coerce_value(name, spec, values[name], warnings)
            else:
                clean[name] = spec.default
        _fit_loss_to_task(clean, warnings, given=set(values))
        _fit_param_budget(clean, warnings)
        _fit_work_budget(clean, warnings)
        return cls(**clean), warnings


def format_value(v: Any) -> str:
    """A value as URL text, as Streamlit writes it: true/false, str() of numbers."""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)  # str(float) is the shortest text that round-trips exactly


def _text(value: Any) -> str:
    """str(value), or a placeholder for objects without one (e.g. ints over 4300 digits)."""
    try:
        return value if isinstance(value, str) else str(value)
    except Exception:  # any object's __str__ may fail; a link must never crash the app
        return f"<{type(value).__name__}>"


def _short(value: Any, limit: int = 40) -> str:
    text = _text(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def coerce_value(name: str, spec: Field, value: Any, warnings: list[str]) -> Any:
    """`value` as the setting `name` allows it; a warning for anything that had to change."""
    label = f"{name}"
    shown = _short(value)
    if spec.kind is bool:
        if isinstance(value, bool):
            return value
        text = _text(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        warnings.append(
            f"{label}: '{shown}' is not true or false; using {format_value(spec.default)}."
        )
        return spec.default
    if spec.kind is str:
        text = _text(value).strip()
        if text in spec.choices:
            return text
        warnings.append(
            f"{label}: '{shown}' is not one of {', '.join(spec.choices)}; using {spec.default}."
        )
        return spec.default
    try:
        number = float(_text(value).strip()) if not isinstance(value, int | float) else float(value)
    except OverflowError:  # an int beyond the float range
        number = math.inf
    except (TypeError, ValueError):
        warnings.append(f"{label}: '{shown}' is not a number; using {format_value(spec.default)}.")
        return spec.default
    if not math.isfinite(number):
        warnings.append(
            f"{label}: '{shown}' is not a finite number; using {format_value(spec.default)}."
        )
        return spec.default
    if spec.choices is not None:
        best = spec.kind(_snap(number, spec))
        if not math.isclose(best, number, rel_tol=1e-9, abs_tol=1e-12):
            warnings.append(
                f"{label}: {shown} is not one of the slider's values; using {format_value(best)}."
            )
        return best
    if spec.kind is int:
        if not number.is_integer():
            warnings.append(f"{label}: {shown} is not a whole number; using {round(number)}.")
        number = round(number)
    clamped = min(max(number, spec.lo), spec.hi)
    if clamped != number:
        warnings.append(
            f"{label}: {shown} is outside {format_value(spec.kind(spec.lo))}–"
            f"{format_value(spec.kind(spec.hi))}; using {format_value(spec.kind(clamped))}."
        )
    return spec.kind(clamped)


def _snap(number: float, spec: Field) -> float:
    """The choice nearest to `number`: on a log scale for log fields, else linearly."""
    if not spec.log:
        return min(spec.choices, key=lambda c: abs(c - number))
    positive = [c for c in spec.choices if c > 0]
    if number <= 0 or (0 in spec.choices and number < positive[0] / 10):
        return 0 if 0 in spec.choices else positive[0]
    return min(positive, key=lambda c: abs(math.log(c) - math.log(number)))


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


def _check(cfg: Config) -> list[str]:
    problems = []
    for name, spec in SPEC.items():
        v = getattr(cfg, name)
        if spec.kind is bool:
            ok = isinstance(v, bool)
        elif spec.choices is not None:
            ok = v in spec.choices
        else:
            ok = isinstance(v, int | float) and not isinstance(v, bool) and spec.lo <= v <= spec.hi
            ok = ok and (spec.kind is not int or float(v).is_integer())
        if not ok:
            problems.append(f"{name}={v!r} is not allowed")
    if not problems:
        task = task_of(cfg.dataset)
        if cfg.loss not in TASK_LOSSES[task]:
            problems.append(f"loss {cfg.loss} does not fit a {task} task")
        elif cfg.output not in TASK_OUTPUTS[task] or cfg.output not in VALID_OUTPUTS[cfg.loss]:
            problems.append(f"output {cfg.output} does not fit loss {cfg.loss}")
    return problems
