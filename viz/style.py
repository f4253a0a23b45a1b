"""Shared look of every figure: colour scales, palette, layout defaults."""

from __future__ import annotations

import plotly.graph_objects as go

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
