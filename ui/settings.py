"""The app's side of the settings: slider grids, labels, and reading a shared link.

The engine's `LIMITS` (engine/training/config.py) says what each setting may be; here each
gets the grid its slider offers and the label it is called by, and untrusted link text is
turned into a valid Config with a plain warning for everything that had to change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from engine.training.config import LIMITS, UPLOAD_PREFIX, Config, Limit, format_value

# How long a cached run, comparison or upload is kept (seconds): every cache of the app.
CACHE_TTL = 3600

# Parameters Streamlit itself reads from the URL (an embedded app's options).
STREAMLIT_PARAMS = {"embed", "embed_options"}

# Learning rates offered on a log scale (a select slider in the app).
LR_GRID = (1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
NOISE_GRID = tuple(round(0.05 * i, 2) for i in range(11))
SHARE_GRID = tuple(round(0.1 * i, 1) for i in range(1, 10))
DROPOUT_GRID = tuple(round(0.1 * i, 1) for i in range(9))
INIT_STD_GRID = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
WEIGHT_DECAY_GRID = (0.0, 1e-4, 1e-3, 1e-2, 0.1)
BATCH_GRID = (1, 2, 4, 8, 10, 16, 32, 64, 128, 256, 512, 1024)

DATASET_LABELS = {
    "circle": "Circle (2 classes)",
    "xor": "XOR (2 classes)",
    "blobs": "Gaussian blobs (2 classes)",
    "spiral": "Spiral (2 classes)",
    "moons": "Moons (2 classes)",
    "spiral3": "Spiral (3 classes)",
    "plane": "Plane (regression)",
    "sine": "Sine (regression)",
}
INIT_LABELS = {
    "standard": "standard: U[-1/sqrt(n_in), 1/sqrt(n_in)]",
    "xavier_uniform": "Xavier uniform (Glorot): var 2/(n_in+n_out)",
    "xavier_normal": "Xavier normal (Glorot): var 2/(n_in+n_out)",
    "he_normal": "He normal: var 2/n_in",
    "he_uniform": "He uniform: var 2/n_in",
    "lecun_normal": "LeCun normal: var 1/n_in",
    "normal": "normal(0, std): small random weights",
}

# What each setting is called in sentences and buttons ("Set hidden layers 20").
SETTING_LABELS = {
    "dataset": "data set",
    "noise": "noise",
    "samples": "samples",
    "train_share": "training share",
    "depth": "hidden layers",
    "width": "units per layer",
    "activation": "activation",
    "init": "initialisation",
    "init_std": "init std",
    "residual": "residual connections",
    "layer_norm": "LayerNorm",
    "dropout": "dropout",
    "loss": "loss",
    "output": "output",
    "optimizer": "optimizer",
    "lr": "learning rate",
    "batch_size": "batch size",
    "steps": "training steps",
    "weight_decay": "weight decay",
    "seed": "seed",
}

# Each activation as the Forward pass page writes it (LaTeX).
ACTIVATION_LATEX = {
    "sigmoid": r"\sigma(z)=\frac{1}{1+e^{-z}}",
    "tanh": r"\tanh(z)",
    "relu": r"\max(0, z)",
    "leaky_relu": r"\max(0.01z, z)",
    "elu": r"z \text{ if } z>0 \text{ else } e^z-1",
    "gelu": r"\tfrac{z}{2}\left(1+\tanh\left(\sqrt{2/\pi}\,(z+0.044715z^3)\right)\right)",
    "softsign": r"\frac{z}{1+|z|}",
    "linear": r"z",
}

_TRUE = {"1", "true", "yes", "on", "t", "y"}
_FALSE = {"0", "false", "no", "off", "f", "n"}


@dataclass(frozen=True)
class Field(Limit):
    """How one URL value is read: the setting's limits, and how a number snaps to its grid."""

    log: bool = False  # snap to the nearest choice on a log scale (0 stays 0)


# Numbers a slider offers from a grid: a link's value snaps to the grid, so every valid
# link value is one a slider can show. (grid, log scale)
GRIDS: dict[str, tuple[tuple, bool]] = {
    "noise": (NOISE_GRID, False),
    "train_share": (SHARE_GRID, False),
    "init_std": (INIT_STD_GRID, True),
    "dropout": (DROPOUT_GRID, False),
    "lr": (LR_GRID, True),
    "batch_size": (BATCH_GRID, True),
    "weight_decay": (WEIGHT_DECAY_GRID, True),
}

# Each setting as the link check reads it: the engine's limits, with the slider's grid.
SETTINGS: dict[str, Field] = {
    name: Field(
        limit.kind,
        limit.default,
        limit.lo,
        limit.hi,
        GRIDS[name][0] if name in GRIDS else limit.choices,
        GRIDS[name][1] if name in GRIDS else False,
    )
    for name, limit in LIMITS.items()
}


def config_from_params(params: Any) -> tuple[Config, list[str]]:
    """A valid config from untrusted URL parameters, and warnings for what was fixed."""
    warnings: list[str] = []
    raw: dict[str, Any] = {}
    try:
        items = list(dict(params).items())
    except (TypeError, ValueError):
        return Config(), ["The link's settings could not be read; using the defaults."]
    for key, value in items:
        if key not in SETTINGS:
            if _text(key).lower() not in STREAMLIT_PARAMS:
                warnings.append(f"'{_short(key)}' is not a setting of this app; ignored it.")
            continue
        if isinstance(value, list | tuple):
            value = value[-1] if value else ""
        value = _text(value)
        if key == "dataset" and value.startswith(UPLOAD_PREFIX):
            warnings.append(
                "dataset: the link was made with an uploaded file, which a link cannot "
                f"carry; using {SETTINGS['dataset'].default}."
            )
            continue
        raw[key] = coerce_value(key, SETTINGS[key], value, warnings)
    return Config.from_dict(raw, warnings)


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
    shown = _short(value)
    default = format_value(spec.default)
    if spec.kind is bool:
        if isinstance(value, bool):
            return value
        text = _text(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        warnings.append(f"{name}: '{shown}' is not true or false; using {default}.")
        return spec.default
    if spec.kind is str:
        text = _text(value).strip()
        if spec.choices is not None and text in spec.choices:
            return text
        choices = ", ".join(spec.choices or ())
        warnings.append(f"{name}: '{shown}' is not one of {choices}; using {spec.default}.")
        return spec.default
    try:
        number = float(_text(value).strip()) if not isinstance(value, int | float) else float(value)
    except OverflowError:  # an int beyond the float range
        number = math.inf
    except (TypeError, ValueError):
        warnings.append(f"{name}: '{shown}' is not a number; using {default}.")
        return spec.default
    if not math.isfinite(number):
        warnings.append(f"{name}: '{shown}' is not a finite number; using {default}.")
        return spec.default
    if spec.choices is not None:
        best = spec.kind(_snap(number, spec))
        if not math.isclose(best, number, rel_tol=1e-9, abs_tol=1e-12):
            warnings.append(
                f"{name}: {shown} is not one of the slider's values; using {format_value(best)}."
            )
        return best
    assert spec.lo is not None and spec.hi is not None, f"{name} needs a range or choices"
    if spec.kind is int:
        if not number.is_integer():
            warnings.append(f"{name}: {shown} is not a whole number; using {round(number)}.")
        number = round(number)
    clamped = min(max(number, spec.lo), spec.hi)
    if clamped != number:
        warnings.append(
            f"{name}: {shown} is outside {format_value(spec.kind(spec.lo))}–"
            f"{format_value(spec.kind(spec.hi))}; using {format_value(spec.kind(clamped))}."
        )
    return spec.kind(clamped)


def _snap(number: float, spec: Field) -> float:
    """The choice nearest to `number`: on a log scale for log fields, else linearly."""
    choices = spec.choices or ()
    if not spec.log:
        return min(choices, key=lambda c: abs(c - number))
    positive = [c for c in choices if c > 0]
    if number <= 0 or (0 in choices and number < positive[0] / 10):
        return 0 if 0 in choices else positive[0]
    return min(positive, key=lambda c: abs(math.log(c) - math.log(number)))


def slider_range(name: str) -> tuple[int, int]:
    """The (lowest, highest) value a slider for a whole-number setting offers."""
    field = SETTINGS[name]
    assert field.lo is not None and field.hi is not None, f"{name} has no range"
    return int(field.lo), int(field.hi)
