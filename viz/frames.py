"""Plotly animation frames attached as plain dicts, without Plotly's per-property checks."""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
import plotly.graph_objects as go
from _plotly_utils.utils import is_skipped_key, to_typed_array_spec

# numpy dtypes Plotly.js reads as typed arrays, and their names in Plotly's JSON.
_TYPED = {
    "int8": "i1",
    "uint8": "u1",
    "int16": "i2",
    "uint16": "u2",
    "int32": "i4",
    "uint32": "u4",
    "float32": "f4",
    "float64": "f8",
}


# Values JSON writes as they are.
_PLAIN = {int, float, str, bool, type(None)}


class _Frame:
    """A frame that Plotly serialises as given: Figure.to_dict reads a frame's `_props`."""

    __slots__ = ("_props",)

    def __init__(self, props: dict[str, Any]) -> None:
        self._props = props


def encoded(value: Any) -> Any:
    """`value` with its numpy arrays as the typed arrays Plotly sends the browser.

    The same JSON as Plotly's own encoding (a test compares them), without its per-array
    checks, which cost more than the rest of building a chart's frames.
    """
    if isinstance(value, dict):
        return {k: v if is_skipped_key(k) else encoded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        if all(type(v) in _PLAIN for v in value):  # most lists: no call per item
            return list(value)
        return [encoded(v) for v in value]
    if isinstance(value, np.ndarray):
        short = _TYPED.get(str(value.dtype))
        if short is None or value.size == 0:
            return to_typed_array_spec(value)  # int64 and the rest: Plotly's own rules
        raw = np.ascontiguousarray(value).tobytes()
        spec = {"dtype": short, "bdata": base64.b64encode(raw).decode()}
        if value.ndim > 1:
            spec["shape"] = str(value.shape)[1:-1]
        return spec
    return value


def attach_frames(fig: go.Figure, frames: list[dict[str, Any]]) -> go.Figure:
    """`fig` with `frames` (dicts of name, data, traces, layout) added unchecked.

    Assigning fig.frames validates every property of every frame: for the charts the
    transport moves, that cost more than building the chart (110 of the network diagram's
    170 ms). The frames built in viz hold only names and numbers, and tests compare the JSON
    the browser receives with the engine's numbers. Read them back with fig.to_dict().

    Arrays are encoded here, once: encoding a chart (fig.to_dict) deep-copies the frames, and
    copying the encoded text costs a quarter of copying the arrays.
    """
    fig._frame_objs = (*fig._frame_objs, *(_Frame(encoded(f)) for f in frames))
    return fig


def copy_figure(fig: go.Figure) -> go.Figure:
    """A copy of `fig` whose frames are shared, not copied (frames are only read)."""
    out = go.Figure(data=fig.data, layout=fig.layout)
    out._frame_objs = fig._frame_objs
    return out
