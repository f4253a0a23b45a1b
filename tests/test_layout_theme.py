"""Charts follow the viewer's theme: one JSON per chart, the template swapped in the browser."""

import json

import plotly.graph_objects as go
import pytest

from ui import chart_view, layout
from viz.style import DARK, LIGHT, ROOM_LEFT, base_layout


@pytest.fixture
def fig() -> go.Figure:
    return base_layout(go.Figure(go.Scatter(x=[0, 1], y=[1, 2])), "a chart")


def test_light_viewers_get_the_figure_itself_once_it_has_room(fig) -> None:
    assert layout.themed(layout.with_room(fig), "light") is fig


def test_a_figure_without_room_is_copied_with_it(fig) -> None:
    shown = layout.themed(fig, "light")
    assert shown is not fig
    assert shown.layout.margin.l == ROOM_LEFT
    assert fig.layout.margin.l < ROOM_LEFT  # the shared figure is left as it was


def test_dark_viewers_get_a_dark_copy(fig) -> None:
    dark = layout.themed(fig, "dark")
    assert dark is not fig
    assert dark.layout.template.layout.paper_bgcolor == DARK.layout.paper_bgcolor
    assert dark.layout.template.layout.font.color == DARK.layout.font.color
    # The cached figure other sessions share keeps its light template.
    assert fig.layout.template.layout.paper_bgcolor == LIGHT.layout.paper_bgcolor


def _spec(fig: go.Figure) -> dict:
    return json.loads(layout._spec(fig))


def test_a_chart_gets_the_figure_with_the_apps_settings(fig) -> None:
    spec = _spec(fig)
    assert spec["config"] == layout.PLOTLY_CONFIG
    assert spec["layout"]["margin"]["l"] == ROOM_LEFT
    assert spec["data"] == json.loads(fig.to_json())["data"]


def test_the_charts_script_carries_both_templates() -> None:
    # The server sends a chart the same JSON whatever the theme; the chart's script swaps in
    # the page's template, so it must carry both.
    sent = chart_view._JS.replace("__TEMPLATES__", chart_view._TEMPLATES)
    for template in (LIGHT, DARK):
        assert json.dumps(template.to_plotly_json()) in sent


def test_a_shared_figure_is_encoded_once(fig) -> None:
    setattr(fig, layout.SPEC_ATTR, None)  # as the figure cache marks the figures it holds
    first = layout._spec(fig)
    assert layout._spec(fig) is first


def test_a_figure_of_one_rerun_is_encoded_as_it_is_now(fig) -> None:
    # Not from the figure cache: a page may still change it, so nothing is kept.
    assert _spec(fig)["layout"]["title"]["text"] == "a chart"
    fig.update_layout(title_text="changed")
    assert _spec(fig)["layout"]["title"]["text"] == "changed"
