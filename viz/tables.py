"""Tables as plain HTML, for a table that changes with every step (ui.html_block shows it)."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

Format = Callable[[Any], str]


def table_html(frame: pd.DataFrame, formats: Mapping[str, Format] | None = None) -> str:
    """`frame` as an HTML table, headed by its column names, each cell through its column's
    format (str by default); columns of floats are right-aligned."""
    formats = formats or {}
    columns = [str(name) for name in frame.columns]
    numeric = [pd.api.types.is_float_dtype(frame[name]) for name in frame.columns]

    def cell(tag: str, text: str, is_number: bool) -> str:
        align = ' class="bp-num"' if is_number else ""
        return f"<{tag}{align}>{html.escape(text)}</{tag}>"

    head = "".join(cell("th", name, num) for name, num in zip(columns, numeric, strict=True))
    # Plain lists: pandas' Series.map costs more than formatting a step's few dozen cells.
    shown = [
        [formats.get(name, str)(value) for value in frame[name].tolist()] for name in frame.columns
    ]
    body = "".join(
        "<tr>"
        + "".join(cell("td", text, num) for text, num in zip(row, numeric, strict=True))
        + "</tr>"
        for row in zip(*shown, strict=True)
    )
    return (
        f'<div class="bp-table"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )
