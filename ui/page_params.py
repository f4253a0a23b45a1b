"""Settings that belong to one page, not to the run, and travel in the link beside the run's.

A page-local control (the sample the Forward pass shows, the chosen example, a sequence
length) is a keyed widget bound to the URL whose key is listed here. The sidebar's link
check keeps these keys when their value is valid and drops them, with a warning, when not,
so a shared link never hands a widget a value it cannot show.
"""

from __future__ import annotations

from typing import Any

from engine.analysis.seeds import SEED_COUNTS
from engine.training.config import SPEC, Field, coerce_value
from engine.training.loop import RECORD_ROWS
from ui.lesson import I_KEY, J_KEY, LAYER_KEY, SAMPLE_KEY
from ui.seq_params import SEQUENCE_PARAMS

_MAX_UNITS = max(int(SPEC["width"].hi), 2)  # the widest layer, or the two inputs
_LAYERS = tuple(f"h{i}" for i in range(1, int(SPEC["depth"].hi) + 1)) + ("out",)

# Every page-local URL key of the app, with the values it may take. A key whose valid range
# depends on the run (a unit index, say) is bounded here by its largest possible value; the
# page clamps it again to the run it shows.
PAGE_PARAMS: dict[str, Field] = {
    # The lesson's sample of the batch and its weight (Forward, Error, Backward and Update
    # pages): written to the URL by ui.lesson.keep rather than bound, see there.
    SAMPLE_KEY: Field(int, 0, 0, RECORD_ROWS - 1, label="sample"),
    LAYER_KEY: Field(str, "h1", choices=_LAYERS, label="layer"),
    I_KEY: Field(int, 0, 0, _MAX_UNITS - 1, label="from unit i"),
    J_KEY: Field(int, 0, 0, _MAX_UNITS - 1, label="to unit j"),
    # How many seeds the Local minima page trains.
    "lm_runs": Field(int, SEED_COUNTS[0], choices=SEED_COUNTS, label="runs"),
    **SEQUENCE_PARAMS,  # Gradients through time
}


def page_param_default(key: str) -> Any:
    """The value a page-local control starts at when the link does not set it."""
    return PAGE_PARAMS[key].default


def clean_page_params(raw: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """The page-local parameters of a link that are valid, as URL text, and warnings."""
    clean: dict[str, str] = {}
    warnings: list[str] = []
    for key, text in raw.items():
        spec = PAGE_PARAMS.get(key)
        if spec is None:
            continue
        before = len(warnings)
        value = coerce_value(key, spec, text, warnings)
        if len(warnings) == before:
            clean[key] = text
        elif value != spec.default:
            clean[key] = str(value).lower() if isinstance(value, bool) else str(value)
    return clean, warnings
