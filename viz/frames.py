"""Plotly animation frames attached as plain dicts, without Plotly's per-property checks."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go


class _Frame:
    """A frame that Plotly serialises as given: Figure.to_dict reads a frame's `_props`."""

    __slots__ = ("_props",)

    def __init__(self, props: dict[str, Any]) -> None:
        self._props = props


def attach_frames(fig: go.Figure, frames: list[dict[str, Any]]) -> go.Figure:
    """`fig` with `frames` (dicts of name, data, traces, layout) attached unchecked.

    Assigning fig.frames validates every property of every frame: for the charts the
    transport moves, that cost more than building the chart (110 of the network diagram's
    170 ms). The frames built in viz hold only names and numbers, and tests compare the JSON
    the browser receives with the engine's numbers. Read them back with fig.to_dict().
    """
    fig._frame_objs = tuple(_Frame(f) for f in frames)
    return fig


def copy_figure(fig: go.Figure) -> go.Figure:
    """A copy of `fig` whose frames are shared, not copied (frames are only read)."""
    out = go.Figure(data=fig.data, layout=fig.layout)
    out._frame_objs = fig._frame_objs
    return out
