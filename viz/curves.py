"""Training curves that several pages draw: the loss traces, and values made safe to plot."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from engine import Run
from viz.style import SERIES


def with_gaps(values: np.ndarray) -> np.ndarray:
    """Values as floats with inf replaced by NaN (a gap), so a diverged run still draws."""
    out = np.asarray(values, dtype=np.float64).copy()
    out[~np.isfinite(out)] = np.nan
    return out


def loss_traces(run: Run, batch_color: str, width: float) -> list[go.Scatter]:
    """Batch loss at every step, and train and test loss (where known) at the evaluation steps."""
    traces = [
        go.Scatter(
            x=np.arange(run.steps_run),
            y=with_gaps(run.loss),
            mode="lines",
            name="batch loss",
            line=dict(color=batch_color, width=1),
            hovertemplate="step %{x}<br>batch loss %{y:.4g}<extra></extra>",
        )
    ]
    for name, values in (("train", run.train_loss), ("test", run.test_loss)):
        if np.isfinite(values).any():
            traces.append(
                go.Scatter(
                    x=run.eval_steps,
                    y=with_gaps(values),
                    mode="lines",
                    name=f"{name} loss",
                    line=dict(color=SERIES[name], width=width),
                    hovertemplate=f"step %{{x}}<br>{name} loss %{{y:.4g}}<extra></extra>",
                )
            )
    return traces
