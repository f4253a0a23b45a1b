"""Helpers for driving the app's pages through Streamlit's AppTest."""

from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from ui import chart_view, html_block

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")

HOSTILE_PARAMS = {
    "depth": "999",
    "width": "-3",
    "lr": "abc",
    "steps": "1e308",
    "activation": "<b>x</b>",
    "residual": "maybe",
    "foo": "<script>alert(1)</script>",
}
# The same kinds of hostile values on a network that trains in a blink (depth clamped to 1,
# not 64). Every page opens this link; only the Backward pass page's test opens
# HOSTILE_PARAMS, whose clamped 64-layer network takes seconds to train on each page.
CHEAP_HOSTILE_PARAMS = {**HOSTILE_PARAMS, "depth": "-5", "steps": "5000"}
# Links every page must draw without a warning: a deep sigmoid network (vanishing gradients),
# residual connections with LayerNorm, and three classes with a softmax output.
OTHER_CONFIGS = [
    pytest.param({"depth": "10", "activation": "sigmoid", "steps": "100"}, id="deep-sigmoid"),
    pytest.param(
        {"depth": "3", "residual": "true", "layer_norm": "true", "steps": "100"},
        id="residual-layernorm",
    ),
    pytest.param(
        {"dataset": "spiral3", "output": "softmax", "loss": "cross_entropy", "steps": "100"},
        id="spiral3",
    ),
]


# The health banner's icon: a stall is a true warning about the run, not a problem of the page.
STALL_ICON = ":material/trending_flat:"


def page_warnings(at: AppTest) -> list[str]:
    """The page's warnings other than the run-health banner (links fixed, settings clamped)."""
    return [w.value for w in at.warning if w.icon != STALL_ICON]


def run_page(page: str, params: dict[str, str] | None = None, timeout: float = 120) -> AppTest:
    """Open the app at `page` (e.g. "app_pages/backward.py") with URL params and run it."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    if params:
        at.query_params.update(params)
    at.run()
    if page and not page.endswith("overview.py"):
        at.switch_page(page)
        at.run()
    return at


def component_nodes(at: AppTest, name: str) -> list:
    """The page's components named `name`, in page order."""
    return [n for n in at.get("bidi_component") if n.proto.component_name == name]


def chart_nodes(at: AppTest) -> list:
    """The page's Plotly charts (ui.chart_view's components), in page order."""
    return component_nodes(at, chart_view.NAME)


def plotly_specs(at: AppTest) -> list[dict]:
    """The figure JSON of every Plotly chart on the page, in page order."""
    return [json.loads(node.proto.bytes) for node in chart_nodes(at)]


def html_blocks(at: AppTest) -> list[str]:
    """The HTML of every block of formulas or table (ui.html_block), in page order."""
    return [json.loads(node.proto.json) for node in component_nodes(at, html_block.NAME)]


def html_tables(at: AppTest) -> list[pd.DataFrame]:
    """Every HTML table (viz.tables) on the page as text, headed by its column names."""
    tables = []
    for markup in html_blocks(at):
        for table in re.findall(r"<table>.*?</table>", markup):
            head, *rows = [
                [html.unescape(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
                for row in re.findall(r"<tr>(.*?)</tr>", table)
            ]
            tables.append(pd.DataFrame(rows, columns=head))
    return tables


def formulas_latex(at: AppTest) -> str:
    """The LaTeX of every formula the page shows, st.latex's and the formula blocks', joined."""
    texs = [str(e.value) for e in at.latex]
    for markup in html_blocks(at):
        texs += [
            html.unescape(tex) for tex in re.findall(r"<annotation[^>]*>(.*?)</annotation>", markup)
        ]
    return "\n".join(texs)


def _sentences(markup: str) -> list[str]:
    # The blocks' sentences as Markdown, as the pages' other text is read.
    paragraphs = re.findall(r"<p>(.*?)</p>", markup)
    return [html.unescape(re.sub(r"</?strong>", "**", p)) for p in paragraphs]


def decode(value) -> np.ndarray:
    """A Plotly data array as numpy (Plotly 6+ encodes arrays as base64 'bdata')."""
    if isinstance(value, dict) and "bdata" in value:
        arr = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        shape = value.get("shape")
        if shape:
            dims = [int(s) for s in str(shape).split(",")] if isinstance(shape, str) else shape
            arr = arr.reshape(dims)
        return arr
    return np.asarray(value)


def page_text(at: AppTest) -> str:
    """All markdown, latex, caption, metric, alert and HTML-block text on the page, joined."""
    parts: list[str] = []
    for kind in ("markdown", "latex", "caption", "title", "header", "subheader", "code"):
        parts += [str(e.value) for e in at.get(kind)]
    for kind in ("warning", "error", "info", "success"):
        parts += [str(e.value) for e in at.get(kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    for markup in html_blocks(at):
        parts += _sentences(markup)
    return "\n".join(parts)


def assert_ok(at: AppTest, charts: int = 1) -> None:
    """No exception on the page and at least `charts` Plotly charts drawn."""
    assert not at.exception, [e.value for e in at.exception]
    assert len(chart_nodes(at)) >= charts, "no chart drawn"


def run_hostile_link(
    page: str, charts: int, params: dict[str, str] = CHEAP_HOSTILE_PARAMS
) -> AppTest:
    """Open `page` from a hostile link: it names what it fixed, draws, echoes no markup."""
    at = run_page(page, params)
    assert_ok(at, charts=charts)
    warnings = " ".join(str(w.value) for w in at.warning)
    for name in ("depth", "lr", "steps"):
        assert name in warnings, warnings
    assert "<script>" not in page_text(at)
    return at
