"""Tables as HTML: headed by the columns, each cell formatted and escaped, numbers aligned."""

from __future__ import annotations

import pandas as pd

from viz.tables import table_html


def test_a_table_holds_every_cell_in_order_formatted_and_escaped():
    frame = pd.DataFrame(
        {"layer": ["h1", "<b>"], "value": [0.5, -2.0], "ok": [True, False], "n": [3, 4]}
    )
    markup = table_html(
        frame, {"value": lambda v: f"{v:.1e}", "ok": lambda v: "yes" if v else "no"}
    )
    assert markup == (
        '<div class="bp-table"><table><thead><tr>'
        '<th>layer</th><th class="bp-num">value</th><th>ok</th><th>n</th>'
        "</tr></thead><tbody>"
        '<tr><td>h1</td><td class="bp-num">5.0e-01</td><td>yes</td><td>3</td></tr>'
        '<tr><td>&lt;b&gt;</td><td class="bp-num">-2.0e+00</td><td>no</td><td>4</td></tr>'
        "</tbody></table></div>"
    )


def test_an_empty_table_keeps_its_header():
    markup = table_html(pd.DataFrame({"a & b": pd.Series([], dtype=float)}))
    assert '<th class="bp-num">a &amp; b</th>' in markup and "<tbody></tbody>" in markup
