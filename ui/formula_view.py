"""Sentences with their formulas, drawn by the browser as one element (HTML and MathML).

st.latex typesets each formula with KaTeX, one page element each. For the chain rule, that
was a quarter of the browser's work when the step moved (benchmarks/README.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import streamlit as st

from ui.scripts import component_script
from viz.mathml import formulas_html

NAME = "backprop_lab_formulas"
_CSS = """
.bp-formulas p { margin: 0 0 0.5rem; }
.bp-formula { overflow-x: auto; overflow-y: hidden; padding: 0.25rem 0 1rem; }
.bp-formula math { font-size: 1.21em; }
.bp-formula mtd { padding: 0.15em 0; }
.bp-formula mtd:nth-child(odd) { text-align: right; }
.bp-formula mtd:nth-child(even) { text-align: left; }
"""
_COMPONENT = st.components.v2.component(
    NAME,
    html='<div class="bp-formulas"></div>',
    css=_CSS,
    js=component_script(Path(__file__).with_name("formula_view.js")),
    # The page's font and colours, light or dark, reach the text only outside a shadow root.
    isolate_styles=False,
)


def show(lines: Sequence[tuple[str, str]], key: str) -> None:
    """Show (text, LaTeX) pairs: each sentence, then its formula."""
    _COMPONENT(key=key, data=formulas_html(lines), width="stretch", height="content")
