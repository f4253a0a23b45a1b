"""Frames attached without Plotly's checks reach the browser as Plotly itself would send them."""

from __future__ import annotations

import copy
import json

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from _plotly_utils.utils import convert_to_base64

from viz.frames import attach_frames, copy_figure

FRAMES = [
    dict(
        name="0",
        data=[
            dict(type="heatmap", z=np.arange(12, dtype=np.float64).reshape(3, 4) / 7),
            dict(x=np.array([0.0, 1.0, np.nan], dtype=np.float32), y=[1, None, 2]),
            dict(marker=dict(color=np.array([1, -2, 300], dtype=np.int64))),
            dict(customdata=np.array([[1, 2], [3, 4]], dtype=np.int8), text=["a", "b"]),
            dict(y=np.array([], dtype=np.float64), x=np.array([2**40, 1], dtype=np.int64)),
        ],
        traces=[0, 1, 2, 3, 4],
        layout=dict(title=dict(text="step 0"), xaxis=dict(range=np.array([0.0, 1.0]))),
    ),
    dict(name="1", layout=dict(shapes=[dict(type="line", x0=1, x1=1)])),
]


def _sent(fig: go.Figure) -> dict:
    """The figure as the browser receives it."""
    return json.loads(pio.to_json(fig.to_dict(), validate=False))


def test_frames_serialise_as_plotlys_own_encoding():
    fig = attach_frames(go.Figure(go.Scatter(x=[0, 1], y=[1, 2])), copy.deepcopy(FRAMES))
    expected = copy.deepcopy(FRAMES)
    convert_to_base64(expected)
    plotlys = json.loads(pio.to_json({"frames": expected}, validate=False))["frames"]
    assert _sent(fig)["frames"] == plotlys


def test_a_copy_keeps_the_frames_and_the_original_is_untouched():
    fig = attach_frames(go.Figure(go.Scatter(x=[0, 1], y=[1, 2])), copy.deepcopy(FRAMES))
    dark = copy_figure(fig)
    dark.update_layout(template="plotly_dark")
    assert _sent(dark)["frames"] == _sent(fig)["frames"]
    assert fig.layout.template != dark.layout.template
