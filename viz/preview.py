"""A quick look at the data, drawn while the network trains: the page's first chart arrives
early, which also starts the browser loading Plotly sooner."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from engine import Dataset
from viz.style import CLASS_COLORS, DIVERGING, base_layout


def data_figure(data: Dataset, height: int = 420) -> go.Figure:
    """The training points, coloured by class (or by target for regression)."""
    X, y = data.X_train, data.y_train
    if data.task == "regression":
        span = float(np.max(np.abs(y))) or 1.0
        traces = [
            go.Scatter(
                x=X[:, 0],
                y=X[:, 1],
                mode="markers",
                marker=dict(color=y, colorscale=DIVERGING, cmin=-span, cmax=span, size=7),
                name="training points",
                hovertemplate="target y = %{marker.color:.4g}<extra></extra>",
            )
        ]
    else:
        traces = [
            go.Scatter(
                x=X[y == k, 0],
                y=X[y == k, 1],
                mode="markers",
                marker=dict(color=CLASS_COLORS[k % len(CLASS_COLORS)], size=7),
                name=f"class {k}",
                hovertemplate="x1 = %{x:.3f}, x2 = %{y:.3f}<extra></extra>",
            )
            for k in range(data.n_classes if data.task == "multiclass" else 2)
        ]
    fig = go.Figure(traces)
    base_layout(fig, "The training data (the network is training…)", height)
    fig.update_xaxes(title=data.feature_names[0])
    fig.update_yaxes(title=data.feature_names[1])
    return fig
