"""HTML the server wrote, shown as one element: a step's formulas (MathML) or a table.

st.latex typesets each formula with KaTeX, one page element each, and st.table draws a
React table: on the Backward pass page those were most of what a step change cost beyond
a minimal Streamlit app (benchmarks/README.md). The HTML comes from viz, escaped there.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui.scripts import component_script

NAME = "backprop_lab_html"
# Formulas as display math; tables as Streamlit draws st.table, in the page's text colour.
_CSS = """
.bp-html p { margin: 0 0 0.5rem; }
.bp-formula { overflow-x: auto; overflow-y: hidden; padding: 0.25rem 0 1rem; }
/* A font with OpenType math tables, so brackets and bars stretch: Windows, macOS, then
   Linux's TeX fonts. Chromium's generic "math" family found none on Linux. */
.bp-formula math {
  font-size: 1.21em;
  font-family: "Cambria Math", "STIX Two Math", "Latin Modern Math", "DejaVu Math TeX Gyre", math;
}
.bp-formula mtd { padding: 0.3em 0; }
.bp-formula mtd:nth-child(odd) { text-align: right; }
.bp-formula mtd:nth-child(even) { text-align: left; }
.bp-table {
  overflow: auto; max-height: 420px; margin-bottom: 1rem; border-radius: 0.5rem;
  border: 1px solid color-mix(in srgb, currentColor 10%, transparent);
}
.bp-table table { border-collapse: separate; border-spacing: 0; width: 100%; font-size: 0.875rem; }
.bp-table th, .bp-table td {
  padding: 0.25rem 0.375rem; text-align: left; white-space: nowrap; font-weight: 400;
  border: 0 solid color-mix(in srgb, currentColor 10%, transparent);
  border-width: 0 1px 1px 0;
}
.bp-table tr > :last-child { border-right-width: 0; }
.bp-table tbody tr:last-child td { border-bottom-width: 0; }
/* A long table scrolls under its header (separate borders move with a sticky cell). */
.bp-table thead th {
  color: color-mix(in srgb, currentColor 70%, transparent);
  position: sticky; top: 0; background: var(--st-background-color);
}
.bp-table .bp-num { text-align: right; font-variant-numeric: tabular-nums; }
"""
_COMPONENT = st.components.v2.component(
    NAME,
    html='<div class="bp-html"></div>',
    css=_CSS,
    js=component_script(Path(__file__).with_name("html_block.js")),
    # The page's font and colours, light or dark, reach the HTML only outside a shadow root.
    isolate_styles=False,
)


def show(markup: str, key: str) -> None:
    """Show `markup`, HTML from viz (escaped there), as the element `key`."""
    _COMPONENT(key=key, data=markup, width="stretch", height="content")
