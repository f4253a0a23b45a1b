"""Shared look of every figure: colour scales, palette, templates, layout and axis rules."""

from __future__ import annotations

import math
import re
import textwrap

import numpy as np
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

# Signed values: blue positive, red negative, white zero (centre the scale with zmid=0).
DIVERGING = [
    [0.0, "#b2182b"],
    [0.25, "#ef8a62"],
    [0.5, "#f7f7f7"],
    [0.75, "#67a9cf"],
    [1.0, "#2166ac"],
]
# Magnitudes (gradient norms, |values|), shown on a log axis or log colour.
MAGNITUDE = "Viridis"
POSITIVE = "#2166ac"
NEGATIVE = "#b2182b"
NEUTRAL = "#9ca3af"
ACCENT = "#f59e0b"  # highlights: the chosen sample, weight or step

# One colour per series that recurs across pages.
SERIES = {
    "train": "#2563eb",
    "test": "#f97316",
    "plain": "#6b7280",
    "residual": "#2563eb",
    "layernorm": "#16a34a",
    "both": "#9333ea",
    "sgd": "#6b7280",
    "momentum": "#2563eb",
    "nesterov": "#0891b2",
    "rmsprop": "#16a34a",
    "adam": "#dc2626",
    "adamw": "#9333ea",
}
# Classes of a data set: 0, 1, 2.
CLASS_COLORS = ["#b2182b", "#2166ac", "#16a34a"]

FONT_SIZE = 13
FONT = dict(family="Inter, system-ui, sans-serif", size=FONT_SIZE)


# One template per theme. Figures carry the light one; ui.layout swaps in the dark one when
# the viewer's system is dark. Colours that say something (series, classes, the diverging
# scale) are the same in both; only paper, grid and text change.
def _template(text: str, grid: str, line: str, paper: str, plot: str) -> go.layout.Template:
    # Outside ticks push the labels 4 px off the axes: the x and y labels "0" at the
    # corner no longer touch.
    axis = dict(
        gridcolor=grid,
        linecolor=line,
        zerolinecolor=grid,
        tickcolor=line,
        ticks="outside",
        ticklen=4,
    )
    return go.layout.Template(
        layout=dict(
            font=dict(FONT, color=text),
            paper_bgcolor=paper,
            plot_bgcolor=plot,
            xaxis=axis,
            yaxis=axis,
            legend=dict(font=dict(color=text)),
            annotationdefaults=dict(font=dict(color=text)),
            hoverlabel=dict(font_size=12),
            colorway=list(SERIES.values()),
        )
    )


LIGHT = _template(text="#0f172a", grid="#eef0f3", line="#d1d5db", paper="white", plot="white")
DARK = _template(text="#e5e7eb", grid="#273142", line="#4b5563", paper="#0e1117", plot="#0e1117")
TEMPLATES = {"light": LIGHT, "dark": DARK}

# Room above the plot: the toolbar (about 30 px, top right) above the title, so they never
# meet however long the title or narrow the screen.
TITLE_TOP = 32
MARGIN_TOP = 72


# Characters of a title line that fit a phone-wide chart (390 px, 15 px font); a longer
# title wraps at a word onto a second line, and the top margin grows by one line.
TITLE_CHARS = 44
TITLE_LINE = 20


def wrap_title(title: str, width: int = TITLE_CHARS) -> str:
    """The title with a line break (<br>) at the last space that keeps lines within width."""
    lines = textwrap.wrap(title, width=width, break_long_words=False)
    return "<br>".join(lines) if lines else title


def _merge(into: dict, update: dict) -> None:
    """Merge `update` into `into` in place: nested dicts key by key, anything else replaced."""
    for key, value in update.items():
        if isinstance(value, dict):
            # A dict of its own, never the caller's: a later merge may write into it.
            if not isinstance(into.get(key), dict):
                into[key] = {}
            _merge(into[key], value)
        else:
            into[key] = value


def _axes(layout: dict, letter: str) -> list[str]:
    """The layout's axes of one direction ("x" or "y"): xaxis, xaxis2, ... (xaxis if none)."""
    names = [k for k in layout if re.fullmatch(f"{letter}axis[0-9]*", k)]
    return names or [f"{letter}axis"]


def set_layout(
    fig: go.Figure, props: dict, xaxes: dict | None = None, yaxes: dict | None = None
) -> go.Figure:
    """fig.update_layout(props), then update_xaxes(xaxes) and update_yaxes(yaxes), at once.

    The same layout in one validation: Plotly replays every update_* call through its
    relayout machinery, 2-12 ms a call and most of the time a figure took to build. Keys
    are nested dicts, not Plotly's "title_text" shorthand; a list (shapes, annotations)
    replaces the figure's, where update_layout would merge it into it item by item.
    """
    layout = fig.layout.to_plotly_json()
    _merge(layout, props)
    for letter, axis in (("x", xaxes), ("y", yaxes)):
        if axis:
            for name in _axes(layout, letter):
                _merge(layout.setdefault(name, {}), axis)
    fig.layout = layout
    return fig


def base_layout(fig: go.Figure, title: str, height: int = 380) -> go.Figure:
    """Apply the common template, title, margins and a legend below the plotting area."""
    wrapped = wrap_title(title)
    extra = TITLE_LINE * wrapped.count("<br>")
    grid = dict(showgrid=True, zeroline=False, automargin=True)
    return set_layout(
        fig,
        dict(
            template=LIGHT,
            title=dict(
                text=wrapped,
                x=0.01,
                xanchor="left",
                y=1.0,
                yref="container",
                yanchor="top",
                # Plotly grows a wrapped title upwards from its first line: move it down as much.
                pad=dict(t=TITLE_TOP + extra),
                font=dict(size=15),
            ),
            height=height,
            # A guide line's label may already have widened the right margin: keep it.
            margin=dict(l=60, r=max(20, fig.layout.margin.r or 0), t=MARGIN_TOP + extra, b=50),
            legend=legend_below(),
        ),
        xaxes=grid,
        yaxes=grid,
    )


def legend_below() -> dict:
    """A horizontal legend under the plotting area, clear of the x-axis labels and title."""
    # Referenced to the figure's bottom edge, not the plot's: Plotly grows the bottom margin
    # to hold it, so it never lands on the plot or the axis title, however many rows it wraps.
    return dict(
        orientation="h",
        x=0.0,
        xanchor="left",
        y=0.0,
        yref="container",
        yanchor="bottom",
        font=dict(size=12),
        bgcolor="rgba(0,0,0,0)",
    )


# Decade labels on a log axis: a 200 px tall plot (a phone) keeps 30 px between them.
MAX_LOG_LABELS = 6
# Layer names on an axis: about 40 px each fit a phone-wide chart.
MAX_LAYER_LABELS = 7


def layer_ticks(names: list[str], max_ticks: int = MAX_LAYER_LABELS) -> dict:
    """Category-axis settings that label every k-th layer by name, always the first and last."""
    picks = label_subset(len(names), max_ticks)
    return dict(tickmode="array", tickvals=[names[i] for i in picks], tickangle=0)


def log_axis(*arrays: np.ndarray, max_labels: int = MAX_LOG_LABELS) -> dict:
    """Axis settings for a log axis labelled at powers of ten only, minor ticks unlabelled.

    One label every k decades (k as small as keeps at most `max_labels`); when the values
    span less than a decade the range widens to the enclosing powers of ten, so at least two
    labels show and no label repeats.
    """
    logs = _log10_finite(arrays)
    props: dict = dict(
        type="log",
        exponentformat="power",
        showexponent="all",
        tick0=0,
        dtick=1,
        minor=dict(ticks="outside", ticklen=3, showgrid=True, dtick="D1"),
        automargin=True,
    )
    if logs.size:
        lo, hi = float(logs.min()), float(logs.max())
        lo_decade, hi_decade = math.floor(lo), math.ceil(hi)
        hi_decade = max(hi_decade, lo_decade + 1)
        # Decade labels inside the data's own range; fewer than two: show whole decades.
        if math.floor(hi) - math.ceil(lo) < 1:
            props["range"] = [lo_decade, hi_decade]
        k = max(1, math.ceil((hi_decade - lo_decade) / max_labels))
        props["dtick"] = k
        if k > 1:
            props["minor"] = dict(ticks="outside", ticklen=3, showgrid=False, dtick=1)
    return props


def _log10_finite(arrays: tuple[np.ndarray, ...]) -> np.ndarray:
    """log10 of the positive finite values of all arrays, flattened."""
    if not arrays:
        return np.array([])
    values = np.concatenate([np.ravel(np.asarray(a, dtype=np.float64)) for a in arrays])
    values = values[np.isfinite(values) & (values > 0)]
    return np.log10(values)


def label_subset(n: int, max_labels: int) -> list[int]:
    """Indices of n items to label: every k-th, always the first and the last, at most max_labels.

    The label before the last is dropped when it would sit closer to the last than k.
    """
    if n <= 0:
        return []
    if n <= max_labels:
        return list(range(n))
    k = math.ceil((n - 1) / max(max_labels - 1, 1))
    picks = list(range(0, n - 1, k))
    if picks and n - 1 - picks[-1] < k:
        picks.pop()
    return [*picks, n - 1] if picks else [0, n - 1]


def layer_colors(n: int) -> list[str]:
    """One colour per layer, dark (input side) to light (output side)."""
    return sample_colorscale(MAGNITUDE, list(np.linspace(0.0, 0.9, n)) if n > 1 else [0.0])


def mark_steps(fig: go.Figure, step: int | None, diverged_at: int | None = None) -> None:
    """Dashed line at the chosen step and a red one where training diverged."""
    if step is not None:
        fig.add_vline(x=step, line=dict(color=ACCENT, dash="dash", width=1.5))
    if diverged_at is not None:
        fig.add_vline(
            x=diverged_at,
            line=dict(color=NEGATIVE, width=2),
            annotation_text=f"diverged at step {diverged_at}",
            annotation_position="top left",
        )


def animation_controls(
    frame_names: list[str],
    active: int,
    *,
    prefix: str,
    frame_ms: int,
    from_current: bool,
    buttons: tuple[str, str],
    buttons_y: float,
    buttons_pad: int,
    slider_x: float,
    slider_y: float,
    font_size: int,
) -> dict:
    """Layout of play and pause buttons, then a slider over the rest of the width, for frames."""
    play = dict(
        frame=dict(duration=frame_ms, redraw=True),
        fromcurrent=from_current,
        transition=dict(duration=0),
    )
    pause = dict(frame=dict(duration=0, redraw=False), mode="immediate")
    jump = dict(mode="immediate", frame=dict(duration=0, redraw=True))
    return dict(
        updatemenus=[
            dict(
                type="buttons",
                direction="left",
                showactive=False,
                x=0.0,
                y=buttons_y,
                xanchor="left",
                yanchor="top",
                pad=dict(t=buttons_pad),
                buttons=[
                    dict(label=buttons[0], method="animate", args=[None, play]),
                    dict(label=buttons[1], method="animate", args=[[None], pause]),
                ],
            )
        ],
        sliders=[
            dict(
                active=active,
                x=slider_x,
                len=1.0 - slider_x,
                y=slider_y,
                yanchor="top",
                currentvalue=dict(prefix=prefix, xanchor="right", font=dict(size=12)),
                font=dict(size=font_size),
                pad=dict(t=10),
                steps=[
                    dict(label=name, method="animate", args=[[name], jump]) for name in frame_names
                ],
            )
        ],
    )


GUIDE_MARGIN = 78  # px right of the plot that hold a guide line's label


def guide_line(fig: go.Figure, y: float, text: str, *, log_y: bool = False, **where) -> None:
    """A dashed horizontal line at y, labelled in the right margin at the line's own height.

    The label sits outside the plotting area, so it never covers data, and level with the
    line it names. On a log axis an annotation's y is log10 of the value (a shape's is not).
    """
    fig.add_hline(y=y, line=dict(color=NEUTRAL, dash="dash", width=1.5), **where)
    yref = where.get("yref", "y")
    fig.add_annotation(
        x=1.0,
        xref="paper",
        xanchor="left",
        xshift=4,
        y=math.log10(y) if log_y else y,
        yref=yref,
        yanchor="middle",
        text=text,
        showarrow=False,
        align="left",
        font=dict(size=11, color=NEUTRAL),
    )
    fig.update_layout(margin=dict(r=GUIDE_MARGIN))


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def power_of_ten(k: int) -> str:
    """10^k as text with a superscript exponent, as Plotly's log axes write it: 10⁻³, 1, 10."""
    return {0: "1", 1: "10"}.get(k, "10" + str(k).translate(_SUPERSCRIPT))


# What Plotly's automargin typically adds at desktop width: y tick labels up to about
# "0.0001" or "10⁻³", one row of legend below the plot, one colour bar on the right.
ROOM_LEFT = 75
ROOM_BELOW_LEGEND = 85
ROOM_BELOW_TICKS = 55
ROOM_COLORBAR = 108
SMALL_TICKS = 10  # px: tick labels this small need no more than base_layout's margin
# Plotly's own margins, for a figure that sets none.
PLOTLY_MARGIN = {"l": 80, "r": 80, "t": 100, "b": 80}
# Trace types whose colour bar shows unless showscale is False.
_SCALED = {"heatmap", "contour", "histogram2d", "histogram2dcontour", "surface"}


def _legend_entries(fig: go.Figure) -> tuple[int, bool]:
    """How many traces Plotly lists in the legend, and whether one asks to be listed."""
    entries, explicit = 0, False
    for trace in fig.data:
        if trace.visible is False or trace.showlegend is False:
            continue
        if trace.showlegend is True:
            entries, explicit = entries + 1, True
        elif trace.type not in _SCALED:
            entries += 1
    return entries, explicit


def _colorbar_sides(fig: go.Figure) -> set[str]:
    """Where colour bars sit: "right" of the plot (vertical) or "below" it (horizontal)."""
    sides = set()
    for trace in fig.data:
        if trace.visible is False:
            continue
        bars = []
        if trace.type in _SCALED:
            owner = fig.layout[trace.coloraxis] if trace.coloraxis else trace
            if owner.showscale is not False:
                bars.append(owner.colorbar)
        # A marker's colour bar shows when one is given, unless showscale says not to.
        marker = getattr(trace, "marker", None)
        marker_bar = getattr(marker, "colorbar", None)
        given = marker_bar is not None and bool(marker_bar.to_plotly_json())
        if given and getattr(marker, "showscale", None) is not False:
            bars.append(marker_bar)
        sides |= {"below" if bar.orientation == "h" else "right" for bar in bars}
    return sides


def margin(fig: go.Figure, side: str) -> int:
    """The figure's margin on `side` ("l", "r", "t" or "b"), Plotly's default if unset."""
    value = fig.layout.margin[side]
    return PLOTLY_MARGIN[side] if value is None else int(value)


def roomy_margins(fig: go.Figure) -> dict[str, int]:
    """Margins with room for what Plotly's automargin would add, when the figure has it.

    Whenever a legend, a colour bar or tick labels need more margin than the layout gives,
    Plotly.js draws the whole chart again with the grown margins, up to several times: on
    the boundary chart that second pass cost two thirds of its 120 ms. Starting with the
    room they usually take skips it; automargin still grows a margin that needs more (a
    legend that wraps on a phone).
    """
    left, right, below = (margin(fig, side) for side in "lrb")
    yaxis = fig.layout.yaxis
    small = (yaxis.tickfont.size or FONT_SIZE) <= SMALL_TICKS  # they fit the base margin
    if yaxis.visible is not False and yaxis.showticklabels is not False and not small:
        left = max(left, ROOM_LEFT)
    xaxis = fig.layout.xaxis
    if xaxis.visible is not False and xaxis.showticklabels is not False:
        below = max(below, ROOM_BELOW_TICKS)
    entries, explicit = _legend_entries(fig)
    legend_shown = fig.layout.showlegend
    if legend_shown is None:
        legend_shown = entries > 1 or explicit
    legend_y = fig.layout.legend.y
    if legend_shown and entries and (legend_y is None or legend_y <= 0):
        below = max(below, ROOM_BELOW_LEGEND)
    sides = _colorbar_sides(fig)
    if "right" in sides:
        right = max(right, ROOM_COLORBAR)
    if "below" in sides:
        below = max(below, ROOM_BELOW_LEGEND)
    return {"l": left, "r": right, "b": below}
