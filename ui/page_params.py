"""Settings that belong to one page, not to the run, and travel in the link beside the run's.

A page-local control (the sample the Forward pass shows, the chosen example, a sequence
length) is a keyed widget bound to the URL whose key is listed here. The sidebar's link
check keeps these keys when their value is valid and drops them, with a warning, when not,
so a shared link never hands a widget a value it cannot show.
"""

from __future__ import annotations

from typing import Any

from engine.analysis.worked_examples import EXAMPLES
from engine.training.config import Field, coerce_value

# Every page-local URL key of the app, with the values it may take. A key whose valid range
# depends on the run (a unit index, say) is bounded here by its largest possible value; the
# page clamps it again to the run it shows.
PAGE_PARAMS: dict[str, Field] = {
    # Worked example: which published example the page works through.
    "example": Field(str, "mazur", choices=tuple(EXAMPLES), label="example"),
    # Every page with a loss chart: the loss axis on a log scale (default: linear).
    "log_loss": Field(bool, False, label="log loss axis"),
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
