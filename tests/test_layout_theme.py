"""Charts follow the viewer's theme: the dark template on a copy, the shared figure untouched."""

import json

import plotly.graph_objects as go
import pytest

from ui import layout
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


def _spec(fig: go.Figure, theme: str) -> dict:
    return json.loads(layout._spec(fig, theme))


def test_a_chart_gets_the_figure_in_its_theme_with_the_apps_settings(fig) -> None:
    for theme, template in (("light", LIGHT), ("dark", DARK)):
        spec = _spec(fig, theme)
        assert spec["config"] == layout.PLOTLY_CONFIG
        assert spec["layout"]["template"]["layout"]["paper_bgcolor"] == (
            template.layout.paper_bgcolor
        )
        assert spec["layout"]["margin"]["l"] == ROOM_LEFT
        assert spec["data"] == json.loads(fig.to_json())["data"]


def test_a_shared_figure_is_encoded_once_per_theme(fig) -> None:
    setattr(fig, layout.SPECS_ATTR, {})  # as the figure cache marks the figures it holds
    light = layout._spec(fig, "light")
    assert layout._spec(fig, "light") is light
    dark = layout._spec(fig, "dark")
    assert dark != light and layout._spec(fig, "dark") is dark


def test_a_figure_of_one_rerun_is_encoded_as_it_is_now(fig) -> None:
    # Not from the figure cache: a page may still change it, so nothing is kept.
    assert _spec(fig, "light")["layout"]["title"]["text"] == "a chart"
    fig.update_layout(title_text="changed")
    assert _spec(fig, "light")["layout"]["title"]["text"] == "changed"
