"""Shared look of every figure: colour scales, palette, layout defaults."""

from __future__ import annotations

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

FONT = dict(family="Inter, system-ui, sans-serif", size=13)


def base_layout(fig: go.Figure, title: str, height: int = 380) -> go.Figure:
    """Apply the common title, font, margins and white background."""
    fig.update_layout(
        title=dict(text=title, x=0.01, xanchor="left", font=dict(size=15)),
        font=FONT,
        height=height,
        margin=dict(l=60, r=20, t=50, b=50),
        plot_bgcolor="white",
        paper_bgcolor="white",
        hoverlabel=dict(font_size=12),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1.0),
    )
    fig.update_xaxes(showgrid=True, gridcolor="#eef0f3", zeroline=False, linecolor="#d1d5db")
    fig.update_yaxes(showgrid=True, gridcolor="#eef0f3", zeroline=False, linecolor="#d1d5db")
    return fig


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
                currentvalue=dict(prefix=prefix, font=dict(size=12)),
                font=dict(size=font_size),
                pad=dict(t=10),
                steps=[
                    dict(label=name, method="animate", args=[[name], jump]) for name in frame_names
                ],
            )
        ],
    )
