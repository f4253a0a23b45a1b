"""The shared axis and label rules of viz/style.py, checked over many inputs."""

import math

import numpy as np
import plotly.graph_objects as go
import pytest
from plotly.subplots import make_subplots

from viz.style import (
    DARK,
    GUIDE_MARGIN,
    LIGHT,
    ROOM_BELOW_LEGEND,
    ROOM_BELOW_TICKS,
    ROOM_COLORBAR,
    ROOM_LEFT,
    base_layout,
    guide_line,
    label_subset,
    layer_ticks,
    log_axis,
    power_of_ten,
    roomy_margins,
    set_layout,
)

SPANS = [(1e-18, 1e-17), (0.2, 0.7), (0.6, 0.69), (1e-3, 1.0), (1e-15, 0.1), (3.0, 187.0)]


def decade_labels(props: dict, lo: float, hi: float) -> list[int]:
    """The exponents Plotly labels on an axis with these settings, over the data lo..hi."""
    low, high = props.get("range", (math.log10(lo), math.log10(hi)))
    k = props["dtick"]
    return [
        e for e in range(math.floor(low), math.ceil(high) + 1) if e % k == 0 and low <= e <= high
    ]


@pytest.mark.parametrize(("lo", "hi"), SPANS)
@pytest.mark.parametrize("max_labels", [3, 5, 8])
def test_log_axis_labels_powers_of_ten_only(lo: float, hi: float, max_labels: int) -> None:
    props = log_axis(np.geomspace(lo, hi, 7), max_labels=max_labels)
    assert props["type"] == "log" and props["exponentformat"] == "power"
    assert isinstance(props["dtick"], int) and props["dtick"] >= 1  # whole decades only
    labels = decade_labels(props, lo, hi)
    assert 2 <= len(labels) <= max_labels + 1
    assert "showticklabels" not in props.get("minor", {})  # minor ticks carry no labels


def test_log_axis_ignores_zero_nan_and_inf() -> None:
    props = log_axis(np.array([0.0, -1.0, np.nan, np.inf, 0.5, 0.6]))
    assert props["range"] == [-1, 0]


@pytest.mark.parametrize("n", [1, 2, 3, 7, 8, 9, 21, 22, 65])
@pytest.mark.parametrize("most", [2, 5, 7, 12])
def test_label_subset_first_last_every_kth(n: int, most: int) -> None:
    picks = label_subset(n, most)
    assert picks[0] == 0 and picks[-1] == n - 1
    assert len(picks) <= max(most, 2) and picks == sorted(set(picks))
    gaps = np.diff(picks)
    if len(gaps) > 1:
        assert len(set(gaps[:-1])) == 1  # every k-th
        assert gaps[-1] >= gaps[0]  # the last is never crowded by the one before


def test_layer_ticks_name_first_and_last() -> None:
    names = [f"h{i}" for i in range(1, 21)] + ["out"]
    ticks = layer_ticks(names)
    assert ticks["tickvals"][0] == "h1" and ticks["tickvals"][-1] == "out"


def test_power_of_ten() -> None:
    assert [power_of_ten(k) for k in (-12, -1, 0, 1, 2)] == ["10⁻¹²", "10⁻¹", "1", "10", "10²"]


def test_guide_line_label_at_the_lines_height_outside_the_plot() -> None:
    for log_y, y in ((False, 0.5), (True, 1e-3)):
        fig = go.Figure(go.Scatter(x=[0, 1], y=[y / 10, y * 10]))
        guide_line(fig, y, "guide", log_y=log_y)
        note = fig.layout.annotations[0]
        assert note.y == pytest.approx(math.log10(y) if log_y else y)
        assert note.xref == "paper" and note.x >= 1.0 and note.xanchor == "left"


def test_a_guide_lines_margin_survives_base_layout() -> None:
    fig = go.Figure(go.Scatter(x=[0, 1], y=[0, 1]))
    guide_line(fig, 0.5, "guide")
    base_layout(fig, "t")
    assert fig.layout.margin.r == GUIDE_MARGIN


def test_base_layout_puts_the_legend_below_and_the_title_under_the_toolbar() -> None:
    fig = base_layout(go.Figure(), "t")
    assert fig.layout.legend.yref == "container" and fig.layout.legend.y == 0
    assert fig.layout.title.pad.t >= 30 and fig.layout.margin.t > fig.layout.title.pad.t
    assert fig.layout.template.layout.paper_bgcolor == LIGHT.layout.paper_bgcolor


def test_dark_template_has_light_text_on_dark_paper() -> None:
    def luminance(colour: str) -> float:
        r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    assert luminance(DARK.layout.font.color) > 180 > 40 > luminance(DARK.layout.paper_bgcolor)
    assert luminance(LIGHT.layout.font.color) < 60


def _lines(n: int) -> go.Figure:
    fig = go.Figure([go.Scatter(y=[1, 2], name=f"s{i}") for i in range(n)])
    return base_layout(fig, "lines")


def test_roomy_margins_leave_room_for_a_legend_below_only_when_one_shows() -> None:
    assert roomy_margins(_lines(2)) == {"l": ROOM_LEFT, "r": 20, "b": ROOM_BELOW_LEGEND}
    # One trace: Plotly shows no legend, so the bottom needs room for the tick labels only.
    assert roomy_margins(_lines(1))["b"] == ROOM_BELOW_TICKS
    hidden = _lines(2).update_layout(showlegend=False)
    assert roomy_margins(hidden)["b"] == ROOM_BELOW_TICKS
    asked = _lines(1).update_traces(showlegend=True)
    assert roomy_margins(asked)["b"] == ROOM_BELOW_LEGEND


def test_roomy_margins_find_every_kind_of_colour_bar() -> None:
    heat = base_layout(go.Figure(go.Heatmap(z=[[1, 2]])), "heat")
    assert roomy_margins(heat)["r"] == ROOM_COLORBAR
    assert roomy_margins(heat.update_traces(showscale=False))["r"] == 20
    shared = base_layout(go.Figure(go.Heatmap(z=[[1, 2]], coloraxis="coloraxis")), "shared")
    assert roomy_margins(shared)["r"] == ROOM_COLORBAR
    assert roomy_margins(shared.update_layout(coloraxis_showscale=False))["r"] == 20
    dots = go.Scatter(y=[1, 2], marker=dict(color=[1, 2], colorbar=dict(title="w")))
    assert roomy_margins(base_layout(go.Figure(dots), "dots"))["r"] == ROOM_COLORBAR
    flat = go.Scatter(y=[1, 2], marker=dict(color=[1, 2], colorbar=dict(orientation="h")))
    room = roomy_margins(base_layout(go.Figure(flat), "flat"))
    assert (room["r"], room["b"]) == (20, ROOM_BELOW_LEGEND)
    plain = go.Scatter(y=[1, 2], marker=dict(color=[1, 2]))
    assert roomy_margins(base_layout(go.Figure(plain), "plain"))["r"] == 20


def test_roomy_margins_keep_larger_margins_and_skip_hidden_axes() -> None:
    fig = _lines(2).update_layout(margin=dict(l=90, r=130, b=140))
    assert roomy_margins(fig) == {"l": 90, "r": 130, "b": 140}
    bare = _lines(1).update_layout(margin=dict(l=10, b=10))
    bare.update_xaxes(visible=False)
    bare.update_yaxes(showticklabels=False)
    assert roomy_margins(bare) == {"l": 10, "r": 20, "b": 10}
    # No margins set: Plotly's own, which already have the room, are kept.
    unset = go.Figure(go.Heatmap(z=[[1, 2]]))
    assert roomy_margins(unset) == {"l": 80, "r": ROOM_COLORBAR, "b": 80}


def _figures() -> list[go.Figure]:
    """Figures of the shapes the app builds: one plot, subplots, a figure with a layout."""
    one = go.Figure(go.Scatter(x=[0, 1], y=[1, 0], name="a"))
    grid = make_subplots(rows=2, cols=2)
    grid.add_trace(go.Bar(x=["h1"], y=[2]), row=2, col=2)
    laid_out = base_layout(go.Figure(go.Heatmap(z=[[1, 2], [3, 4]])), "A title", height=300)
    laid_out.add_hline(y=1)
    return [one, grid, laid_out]


UPDATES = [
    (dict(margin=dict(b=60)), None, None),
    (dict(title=dict(text="New"), legend=dict(x=0.5), height=500), None, None),
    (dict(template=LIGHT, annotations=[dict(text="note", x=0, y=0)]), None, None),
    (dict(meta=dict(bpStep="3")), dict(showgrid=False, range=[0, 2]), dict(title="loss")),
    ({}, dict(visible=False), dict(type="log", tickvals=[1, 10])),
]


@pytest.mark.parametrize("props, xaxes, yaxes", UPDATES)
@pytest.mark.parametrize("index", range(3))
def test_set_layout_is_plotlys_update_layout_and_axes(index, props, xaxes, yaxes) -> None:
    # set_layout replaces update_layout + update_xaxes + update_yaxes where speed matters:
    # it must give the same layout on every kind of figure, axes of subplots included.
    ours, plotlys = _figures()[index], _figures()[index]
    set_layout(ours, props, xaxes=xaxes, yaxes=yaxes)
    plotlys.update_layout(props)
    if xaxes:
        plotlys.update_xaxes(xaxes)
    if yaxes:
        plotlys.update_yaxes(yaxes)
    assert ours.to_plotly_json() == plotlys.to_plotly_json()


def test_set_layout_replaces_a_list_that_update_layout_would_merge_by_index() -> None:
    fig = go.Figure()
    fig.add_hline(y=1)
    set_layout(fig, dict(shapes=[dict(type="line", x0=0, x1=1, y0=0, y1=0)]))
    assert fig.to_plotly_json()["layout"]["shapes"] == [dict(type="line", x0=0, x1=1, y0=0, y1=0)]


def test_set_layout_leaves_the_callers_dicts_alone() -> None:
    props = dict(xaxis=dict(range=[0, 1]), title=dict(font=dict(size=15)))
    set_layout(go.Figure(), props, xaxes=dict(showgrid=False, title=dict(text="step")))
    assert props == dict(xaxis=dict(range=[0, 1]), title=dict(font=dict(size=15)))
