"""Charts follow the viewer's theme: the dark template on a copy, the shared figure untouched."""

import plotly.graph_objects as go
import pytest

from ui import layout
from viz.style import DARK, LIGHT, ROOM_LEFT, base_layout


@pytest.fixture
def fig() -> go.Figure:
    return base_layout(go.Figure(go.Scatter(x=[0, 1], y=[1, 2])), "a chart")


def test_light_viewers_get_the_figure_itself_once_it_has_room(fig, monkeypatch) -> None:
    monkeypatch.setattr(layout, "theme_type", lambda: "light")
    assert layout.themed(layout.with_room(fig)) is fig


def test_a_figure_without_room_is_copied_with_it(fig, monkeypatch) -> None:
    monkeypatch.setattr(layout, "theme_type", lambda: "light")
    shown = layout.themed(fig)
    assert shown is not fig
    assert shown.layout.margin.l == ROOM_LEFT
    assert fig.layout.margin.l < ROOM_LEFT  # the shared figure is left as it was


def test_dark_viewers_get_a_dark_copy(fig, monkeypatch) -> None:
    monkeypatch.setattr(layout, "theme_type", lambda: "dark")
    dark = layout.themed(fig)
    assert dark is not fig
    assert dark.layout.template.layout.paper_bgcolor == DARK.layout.paper_bgcolor
    assert dark.layout.template.layout.font.color == DARK.layout.font.color
    # The cached figure other sessions share keeps its light template.
    assert fig.layout.template.layout.paper_bgcolor == LIGHT.layout.paper_bgcolor
