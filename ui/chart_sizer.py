"""Draw each new chart once, at its width, instead of first hidden at Plotly's default size.

Streamlit mounts a chart anew whenever its figure changes (the element's id hashes the
figure), draws it once before it knows the chart's width (hidden, at Plotly's default size),
then again at that width. The component's script (chart_sizer.js) turns that first draw
into an empty one, for every chart of the page: a retrain on the Overview drew its three
charts whole twice.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

KEY = "chart_sizer"
_COMPONENT = st.components.v2.component(
    "backprop_lab_chart_sizer",
    html="",
    # The component shows nothing: hidden, it leaves no gap among the sidebar's controls.
    css=f".st-key-{KEY} {{ display: none; }}",
    js=(Path(__file__).with_name("chart_sizer.js")).read_text(),
    isolate_styles=False,
)


def install() -> None:
    """Put the component on the page, first in the sidebar: before any chart of the run."""
    with st.sidebar:
        _COMPONENT(key=KEY, height="content")
