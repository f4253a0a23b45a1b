"""Figures of the Optimizers page: loss curves, update ratios, optimizer state, loss surface."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from engine import Run
from engine.analysis.landscape import Surface, median_update_ratio, weight_history
from viz.curves import with_gaps
from viz.style import SERIES, base_layout, guide_line, layer_ticks, log_axis

# Each optimizer's short name (legends) and full name (sentences): the app's one table.
OPTIMIZER_LABELS = {
    "sgd": ("SGD", "SGD"),
    "momentum": ("momentum", "SGD with momentum 0.9"),
    "nesterov": ("Nesterov", "SGD with Nesterov momentum 0.9"),
    "rmsprop": ("RMSProp", "RMSProp"),
    "adam": ("Adam", "Adam"),
    "adamw": ("AdamW", "AdamW"),
}
LABELS = {name: short for name, (short, _) in OPTIMIZER_LABELS.items()}
# The state panels of the inspector, and which optimizers keep each state.
STATE_PANELS = {
    "velocity": "velocity<br>(momentum)",
    "square_avg": "square_avg<br>(RMSProp)",
    "m": "m: mean of<br>gradients (Adam)",
    "v": "v: mean of squared<br>gradients (Adam)",
}
UPDATE_GUIDE = 1e-3  # rule of thumb: each step changes a layer's weights by about 0.1%
START_COLOR = "#111827"


def _label(name: str) -> str:
    return LABELS.get(name, name)


def loss_curves_figure(
    runs: dict[str, Run], log_y: bool = True, target: float | None = None
) -> go.Figure:
    """Training loss of every optimizer over the steps, with the target loss as a line."""
    fig = go.Figure()
    last = 1
    for name, run in runs.items():
        last = max(last, run.config.steps - 1)
        fig.add_trace(
            go.Scatter(
                x=run.eval_steps,
                y=with_gaps(run.train_loss),
                mode="lines",
                name=_label(name),
                line=dict(color=SERIES[name], width=2.5),
                hovertemplate=f"{_label(name)}<br>step %{{x}}<br>training loss %{{y:.4g}}"
                "<extra></extra>",
            )
        )
        if run.diverged_at is not None:
            ok = np.isfinite(run.train_loss)
            y_end = run.train_loss[ok][-1] if ok.any() else None
            fig.add_trace(
                go.Scatter(
                    x=[run.diverged_at],
                    y=[y_end],
                    mode="markers",
                    marker=dict(symbol="x", size=12, color=SERIES[name]),
                    name=f"{_label(name)} diverged",
                    hovertemplate=f"{_label(name)} diverged at step %{{x}}<extra></extra>",
                )
            )
    if target is not None:
        guide_line(fig, target, f"target<br>{target:.3g}", log_y=log_y)
    loss = next(iter(runs.values())).config.loss
    base_layout(fig, "Training loss: same data, same initial weights", height=400)
    fig.update_xaxes(title_text="training step", range=[0, last])
    if log_y:
        values = [t.y for t in fig.data if t.y is not None]
        fig.update_yaxes(title_text=f"{loss} loss", **log_axis(*values))
    else:
        fig.update_yaxes(title_text=f"{loss} loss", type="linear")
    return fig


def target_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The comparison frame as the page shows it: names, "not reached", rounded losses."""
    table = pd.DataFrame(
        {
            "optimizer": [_label(n) for n in frame["optimizer"]],
            "steps to reach target": [
                "not reached" if pd.isna(v) else str(int(v)) for v in frame["steps to target"]
            ],
            "final training loss": [f"{v:.4g}" for v in frame["final loss"]],
        }
    )
    if frame["diverged at"].notna().any():
        table["diverged at step"] = [
            "" if pd.isna(v) else str(int(v)) for v in frame["diverged at"]
        ]
    return table


def update_ratio_figure(runs: dict[str, Run]) -> go.Figure:
    """Median ||update of W|| / ||W|| per layer for each optimizer, on a log axis."""
    fig = go.Figure()
    layers = next(iter(runs.values())).layer_names
    for name, run in runs.items():
        ratios = with_gaps(median_update_ratio(run))
        fig.add_trace(
            go.Scatter(
                x=layers,
                y=ratios,
                mode="lines+markers",
                name=_label(name),
                line=dict(color=SERIES[name], width=2),
                marker=dict(size=8),
                hovertemplate=f"{_label(name)}<br>layer %{{x}}<br>median update ratio "
                "%{y:.3g}<extra></extra>",
            )
        )
    guide_line(fig, UPDATE_GUIDE, "10⁻³: rule<br>of thumb", log_y=True)
    base_layout(fig, "Step size of each optimizer, per layer", height=380)
    fig.update_xaxes(title_text="layer (input → output)", type="category", **layer_ticks(layers))
    lines = [t.y for t in fig.data]
    fig.update_yaxes(
        title_text="median ‖ΔW‖ / ‖W‖ (log)", **log_axis(*lines, np.array([UPDATE_GUIDE]))
    )
    return fig


def state_figure(runs: dict[str, Run], layer: str, i: int, j: int) -> go.Figure:
    """One weight over training: value, gradient and each optimizer's state for it."""
    titles = [
        f"weight<br>{layer}.W[{i}, {j}]",
        "gradient<br>dL/dw",
        *STATE_PANELS.values(),
    ]
    fig = make_subplots(
        rows=3, cols=2, shared_xaxes=True, subplot_titles=titles, vertical_spacing=0.1
    )
    where = {"weight": (1, 1), "grad": (1, 2), "velocity": (2, 1), "square_avg": (2, 2)}
    where |= {"m": (3, 1), "v": (3, 2)}
    last = 1
    for name, run in runs.items():
        hist = weight_history(run, layer, i, j)
        last = max(last, run.config.steps - 1)
        for key, values in hist.items():
            if key == "step":
                continue
            row, col = where[key]
            fig.add_trace(
                go.Scatter(
                    x=hist["step"],
                    y=with_gaps(values),
                    mode="lines",
                    name=_label(name),
                    legendgroup=name,
                    showlegend=key == "weight",
                    line=dict(color=SERIES[name], width=2, dash="dot" if name == "adamw" else None),
                    hovertemplate=f"{_label(name)}<br>step %{{x}}<br>{key} %{{y:.4g}}"
                    "<extra></extra>",
                ),
                row=row,
                col=col,
            )
    base_layout(fig, f"Optimizer state for the weight {layer}.W[{i}, {j}]", height=680)
    fig.update_layout(margin=dict(t=100))
    fig.update_xaxes(range=[0, last])
    fig.update_xaxes(title_text="training step", row=3)
    fig.update_yaxes(exponentformat="e")
    fig.update_annotations(font_size=13)
    return fig


def _log_ticks(lo: float, hi: float) -> tuple[list[float], list[str]]:
    """Colour-bar ticks at 1, 2, 5 x 10^k between two log10 values, labelled as losses."""
    vals, text = [], []
    for k in range(int(np.floor(lo)), int(np.ceil(hi)) + 1):
        for m in (1, 2, 5):
            v = np.log10(m) + k
            if lo - 1e-9 <= v <= hi + 1e-9:
                vals.append(float(v))
                text.append(f"{m * 10.0**k:g}")
    if len(vals) < 2:
        vals = [float(lo), float(hi)]
        text = [f"{10**lo:.3g}", f"{10**hi:.3g}"]  # less than a factor 2: the two ends
    return vals, text


def surface_figure(surface: Surface) -> go.Figure:
    """Contours of the loss (log-spaced levels) on the slice, with each optimizer's path."""
    loss = with_gaps(surface.loss)
    positive = loss[loss > 0]
    floor = positive.min() if len(positive) else 1e-12
    z = np.log10(np.where(loss > 0, loss, floor))
    fig = go.Figure()
    finite = z[np.isfinite(z)]
    lo, hi = (finite.min(), finite.max()) if len(finite) else (0.0, 1.0)
    tickvals, ticktext = _log_ticks(lo, hi)
    fig.add_trace(
        go.Contour(
            x=surface.alphas,
            y=surface.betas,
            z=z,
            customdata=loss,
            colorscale="Viridis",
            ncontours=24,
            contours=dict(coloring="heatmap", showlines=True),
            line=dict(width=0.5, color="rgba(255,255,255,0.5)"),
            colorbar=dict(title="loss<br>(log)", tickvals=tickvals, ticktext=ticktext),
            hovertemplate="a = %{x:.3g}, b = %{y:.3g}<br>loss %{customdata:.4g}<extra></extra>",
            name="loss surface",
            showlegend=False,
        )
    )
    start = None
    for path in surface.paths:
        xy = path.coords
        ok = np.isfinite(xy).all(axis=1)
        if not ok.any():
            continue
        color = SERIES[path.name]
        label = _label(path.name)
        ends = np.array(["" for _ in path.steps], dtype=object)
        if not path.diverged and len(ends):
            ends[-1] = " (after the last step)"
        custom = np.column_stack([path.steps, with_gaps(path.loss), ends])
        fig.add_trace(
            go.Scatter(
                x=xy[ok, 0],
                y=xy[ok, 1],
                mode="lines+markers",
                name=label,
                legendgroup=path.name,
                line=dict(color=color, width=2),
                marker=dict(size=4, color=color),
                customdata=custom[ok],
                hovertemplate=f"{label}<br>step %{{customdata[0]}}%{{customdata[2]}}<br>"
                "loss %{customdata[1]:.4g}<extra></extra>",
            )
        )
        k = np.flatnonzero(ok)[-1]
        fig.add_trace(
            go.Scatter(
                x=[xy[k, 0]],
                y=[xy[k, 1]],
                mode="markers",
                name=f"{label} end",
                legendgroup=path.name,
                showlegend=False,
                marker=dict(
                    symbol="x" if path.diverged else "star",
                    size=15,
                    color=color,
                    line=dict(width=1.5, color="white"),
                ),
                customdata=[custom[k]],
                hovertemplate=f"{label} {'diverged' if path.diverged else 'end'}<br>"
                "step %{customdata[0]}<br>loss %{customdata[1]:.4g}<extra></extra>",
            )
        )
        if start is None and ok[0]:
            start = (xy[0, 0], xy[0, 1], path.loss[0])
    if start is not None:
        # Drawn last, on top: every optimizer starts from these weights.
        fig.add_trace(
            go.Scatter(
                x=[start[0]],
                y=[start[1]],
                mode="markers",
                name="start (all)",
                marker=dict(symbol="circle-open", size=14, color=START_COLOR, line=dict(width=3)),
                customdata=[start[2]],
                hovertemplate="start: the shared initial weights<br>"
                "loss %{customdata:.4g}<extra></extra>",
            )
        )
    if surface.method == "pca":
        share = [f"{s:.0%}" for s in surface.explained]
        x_title = f"PC 1 of the paths ({share[0]} of their spread)"
        y_title = f"PC 2 ({share[1]})"
        title = "PCA plane of the paths"
    else:
        x_title = "random direction 1"
        y_title = "random direction 2"
        title = "Random plane"
    centre = (
        "the initial weights" if surface.center_name == "start" else _label(surface.center_name)
    )
    base_layout(fig, f"{title}, centred on {centre}", height=600)
    fig.update_xaxes(
        title_text=x_title, range=[surface.alphas[0], surface.alphas[-1]], showgrid=False
    )
    fig.update_yaxes(
        title_text=y_title, range=[surface.betas[0], surface.betas[-1]], showgrid=False
    )
    return fig
