"""Plotly charts that stay on screen: a new figure for a chart replaces it in its place.

st.plotly_chart hashes the figure into its element's id, so every new figure (a retrain,
the other theme) mounted a new chart, which the browser parsed twice and drew twice. This
component keeps one chart box per key: a new figure is drawn once, hidden over the one on
screen, and replaces it; the figure before stays drawn, so a setting changed back shows it
without drawing it again (chart_view.js).
"""

from __future__ import annotations

import json
from pathlib import Path

import streamlit as st

from ui.scripts import component_script
from viz.style import TEMPLATES

# Streamlit loads Plotly with its chart element, as this chunk of its frontend; the
# component loads the same file, so a visit loads Plotly once.
_FRONTEND = Path(st.__file__).parent / "static" / "static" / "js"
CHUNK = next((f"./{path.name}" for path in sorted(_FRONTEND.glob("PlotlyChart.*.js"))), None)
if CHUNK is None:
    raise RuntimeError(f"Streamlit's Plotly chunk is missing from {_FRONTEND}")

# The figures' light and dark templates: the server sends a chart the same figure in both
# themes, and the chart takes the page's template when drawn and when the viewer switches.
_TEMPLATES = json.dumps({name: t.to_plotly_json() for name, t in TEMPLATES.items()})
_JS = component_script(Path(__file__).with_name("chart_view.js"))

NAME = "backprop_lab_chart"
_COMPONENT = st.components.v2.component(
    NAME,
    # The chart's box, and in it the div Plotly draws in.
    html='<div class="bp-chart"><div class="bp-plot"></div></div>',
    # A new figure is drawn hidden over the chart on screen, then takes its place.
    css=(
        ".bp-chart { position: relative; } .bp-chart, .bp-plot { width: 100%; }"
        " .bp-next { position: absolute; top: 0; left: 0; visibility: hidden; }"
    ),
    js=_JS.replace("__CHUNK__", CHUNK).replace("__TEMPLATES__", _TEMPLATES),
    # Plotly styles its charts from the page's head, which does not reach a shadow root.
    isolate_styles=False,
)


def show(spec: bytes, key: str) -> None:
    """Draw the figure `spec` (Plotly's JSON, with the chart's config) as the chart `key`."""
    _COMPONENT(key=key, data=spec, width="stretch", height="content")
