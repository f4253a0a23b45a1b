"""Backward-pass figures: the error flowing back from the output, and one weight's chain rule."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from engine import StepRecord
from engine.analysis.chain_rule import ChainTerms
from viz.frames import attach_frames
from viz.optimizers import OPTIMIZER_LABELS
from viz.style import (
    DIVERGING,
    NEUTRAL,
    POSITIVE,
    animation_controls,
    base_layout,
    label_subset,
    layer_ticks,
    log_axis,
)

MAX_LAYERS = 12  # layers drawn in the flow figure; deeper networks show an even selection
MAX_PANEL_TITLES = 6  # layer names over the panels: about 45 px each on a phone
NARROW_PANELS = 4  # more layers than this side by side: fewer tick labels per panel
MAX_UNITS = 64  # rows and columns of any one heatmap; larger layers show their first units
LOG_DECADES = 8  # the shared log scale spans this many powers of ten below the largest value
LOG_TICKS = 10  # colour steps per power of ten on the log scale
SCALES = ("layer", "log")
PLAIN_TERMS = 3  # products written out in the sum for dL/dw before the dots


def shown_layers(layer_names: list[str], max_layers: int = MAX_LAYERS) -> list[str]:
    """The layers the flow figure draws: all, or an even selection always keeping h1 and out."""
    if len(layer_names) <= max_layers:
        return list(layer_names)
    picks = np.unique(np.round(np.linspace(0, len(layer_names) - 1, max_layers)).astype(int))
    return [layer_names[k] for k in picks]


def _signed_log(values: np.ndarray, floor: float) -> np.ndarray:
    # sign(v) * decades above the floor, in tenths of a decade (colour only: hover shows the
    # values): 0 for |v| <= floor, LOG_TICKS * LOG_DECADES at the largest value. One byte each.
    with np.errstate(divide="ignore", invalid="ignore"):
        mag = np.log10(np.abs(values) / floor)
    tenths = np.round(np.clip(np.nan_to_num(mag, nan=0.0), 0.0, LOG_DECADES) * LOG_TICKS)
    return (np.sign(values) * tenths).astype(np.int8)


def _max_abs(values: np.ndarray) -> float:
    finite = np.abs(values[np.isfinite(values)])
    return float(finite.max()) if finite.size else 0.0


def _log_colorbar(floor: float) -> dict:
    vals, text = [], []
    for k in range(0, LOG_DECADES + 1, 2):
        for sign in (-1, 1) if k else (1,):
            vals.append(sign * k * LOG_TICKS)
            text.append("0" if k == 0 else ("−" if sign < 0 else "+") + f"{floor * 10**k:.0e}")
    return dict(
        title=dict(text="value<br>(log |value|)", side="top"),
        tickvals=vals,
        ticktext=text,
        thickness=12,
        len=0.9,
    )


def flow_title(record: StepRecord, layer_names: list[str], names: list[str]) -> str:
    """The flow figure's title at the record's step (how many layers and units it shows)."""
    cropped = any(
        record.layers[n].delta.shape[1] > MAX_UNITS or record.layers[n].dW.shape[0] > MAX_UNITS
        for n in names
    )
    title = f"Error flowing back, step {record.step}"
    if len(names) < len(layer_names):
        title += f" ({len(names)} of {len(layer_names)} layers)"
    if cropped:
        title += f" (first {MAX_UNITS} units)"
    return title


def flow_series(
    record: StepRecord, names: list[str], scale: str
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """What each heatmap of flow_figure shows at one step, (delta, dW) per layer in order,
    and the layout that goes with it (the log scale's tick labels)."""
    deltas = [record.layers[n].delta[:MAX_UNITS, :MAX_UNITS] for n in names]
    grads = [record.layers[n].dW[:MAX_UNITS, :MAX_UNITS] for n in names]
    top = max(_max_abs(v) for v in deltas + grads)
    floor = top * 10.0**-LOG_DECADES if top > 0 else 1.0
    series: list[dict[str, Any]] = []
    for name, delta, grad in zip(names, deltas, grads, strict=True):
        for values, full in ((delta, record.layers[name].delta), (grad, record.layers[name].dW)):
            if scale == "layer":
                m = _max_abs(full) or 1.0
                series.append(dict(z=values, zmin=-m, zmax=m, colorbar=dict(tickvals=[-m, 0, m])))
            else:
                series.append(dict(z=_signed_log(values, floor), customdata=values))
    layout = dict(coloraxis=dict(colorbar=_log_colorbar(floor))) if scale == "log" else {}
    return series, layout


def flow_figure(
    record: StepRecord, layer_names: list[str], scale: str = "layer", max_layers: int = MAX_LAYERS
) -> go.Figure:
    """Deltas (top) and dL/dW (bottom) per layer, animated from the output back to the input.

    scale "layer": each heatmap spans ±its own largest |value|; "log": one signed log scale.
    """
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}, got {scale!r}")
    names = shown_layers(layer_names, max_layers)
    series, log_layout = flow_series(record, names, scale)
    fig = make_subplots(
        rows=2,
        cols=len(names),
        # Narrow panels: every k-th layer's name (first and last always); hover names all.
        subplot_titles=[
            n if i in label_subset(len(names), MAX_PANEL_TITLES) else ""
            for i, n in enumerate(names)
        ],
        vertical_spacing=0.1,
        horizontal_spacing=min(0.04, 0.3 / len(names)),
    )
    if len(names) > NARROW_PANELS:
        fig.update_annotations(font_size=10)  # the layer names over narrow panels
    for col, name in enumerate(names, start=1):
        for row, what, y_label in (
            (1, "δ = dL/dz", "sample %{y}, unit %{x}"),
            (2, "dL/dW", "w from unit %{y} to unit %{x}"),
        ):
            shown = series[2 * (col - 1) + row - 1]
            rows_n, cols_n = shown["z"].shape
            trace: dict[str, Any] = dict(
                name=f"{name} {'delta' if row == 1 else 'dW'}",
                x=np.arange(cols_n),
                y=np.arange(rows_n),
                xgap=0.5 if cols_n <= 16 else 0,
                ygap=0.5 if rows_n <= 16 else 0,
            )
            if scale == "layer":
                trace.update(
                    z=shown["z"],
                    colorscale=DIVERGING,
                    zmid=0.0,
                    zmin=shown["zmin"],
                    zmax=shown["zmax"],
                    hovertemplate=f"{name}: {y_label}<br>{what} = %{{z:.4g}}<extra></extra>",
                    showscale=(row == 1 and col == len(names)),
                    colorbar=dict(
                        title=dict(text="scaled to<br>layer's max", side="top"),
                        tickvals=shown["colorbar"]["tickvals"],
                        ticktext=["−max", "0", "+max"],
                        thickness=12,
                        len=0.9,
                    ),
                )
            else:
                trace.update(
                    z=shown["z"],
                    customdata=shown["customdata"],
                    coloraxis="coloraxis",
                    hovertemplate=f"{name}: {y_label}<br>{what} = %{{customdata:.4g}}"
                    "<extra></extra>",
                )
            fig.add_trace(go.Heatmap(**trace), row=row, col=col)
            # Only the axes that say something new are drawn: each drawn axis costs the
            # browser a share of every step's redraw. Under the bottom row, each layer's last
            # unit j, and the first panel's first (the top row's columns are the same units;
            # a panel's first unit would meet the last of the panel before on a phone); at
            # the left, the first panel's rows (the samples are every layer's; a layer's
            # units i are the layer below's units j). Many narrow panels (a deep network on
            # a phone): the first panel only. Hover names every cell.
            narrow = len(names) > NARROW_PANELS
            fig.update_xaxes(
                range=[-0.5, cols_n - 0.5],
                tickvals=sorted({0, cols_n - 1}) if col == 1 else [cols_n - 1],
                visible=row == 2 and (col == 1 or not narrow),
                row=row,
                col=col,
            )
            fig.update_yaxes(
                range=[rows_n - 0.5, -0.5],
                tick0=0,
                dtick=_tick(rows_n),
                visible=col == 1,
                row=row,
                col=col,
            )
    if scale == "log":
        fig.update_layout(
            coloraxis=dict(
                colorscale=DIVERGING,
                cmin=-LOG_DECADES * LOG_TICKS,
                cmax=LOG_DECADES * LOG_TICKS,
                colorbar=log_layout["coloraxis"]["colorbar"],
            )
        )
    base_layout(fig, flow_title(record, layer_names, names), height=560)
    # The colour bar and its labels; Plotly places the bar 2 % of the plot's width past it.
    fig.update_layout(margin=dict(r=145))
    fig.update_xaxes(showgrid=False, ticks="", tickfont=dict(size=9))
    fig.update_yaxes(showgrid=False, ticks="", tickfont=dict(size=9))
    fig.update_yaxes(title=dict(text="δ: sample", font=dict(size=12)), row=1, col=1)
    fig.update_yaxes(title=dict(text="dL/dW: from unit i", font=dict(size=12)), row=2, col=1)
    fig.update_xaxes(title=dict(text="unit j", font=dict(size=12)), row=2, col=1)
    _animate(fig, names)
    return fig


def _tick(n: int) -> int:
    # Whole-numbered unit and sample ticks, about five per axis.
    return max(1, math.ceil(n / 5))


def _animate(fig: go.Figure, names: list[str]) -> None:
    # Frame k shows the output layer and the k layers below it; traces come in (delta, dW) pairs.
    n = len(names)
    order = list(reversed(names))  # out, hL, ..., h1
    frames = []
    for k, name in enumerate(order):
        reached = set(order[: k + 1])
        # A plain dict: building go.Frame objects costs far more for the same JSON.
        frames.append(
            dict(
                name=name,
                data=[dict(type="heatmap", visible=names[t // 2] in reached) for t in range(2 * n)],
                traces=list(range(2 * n)),
            )
        )
    attach_frames(fig, frames)
    fig.update_layout(
        margin=dict(b=125),  # the top margin is base_layout's, which fits the title
        **animation_controls(
            order,
            n - 1,
            prefix="error at ",
            frame_ms=700,
            from_current=False,
            buttons=("▶", "❚❚"),
            buttons_y=-0.14,
            buttons_pad=0,
            slider_x=0.25,
            slider_y=-0.1,
            font_size=10,
        ),
    )


def delta_norm_title(step: int) -> str:
    """The error-size chart's title at `step`."""
    return f"Size of the error ||δ|| per layer, step {step}"


def delta_norm_figure(layer_names: list[str], norms: np.ndarray, step: int) -> go.Figure:
    """||delta|| per layer at one step, on a log axis."""
    norms = np.asarray(norms, dtype=float)
    shown = np.where(norms > 0, norms, np.nan)  # a log axis has no place for 0
    fig = go.Figure(
        go.Bar(
            x=layer_names,
            y=shown,
            customdata=norms,
            marker_color=[NEUTRAL if n == "out" else POSITIVE for n in layer_names],
            hovertemplate="%{x}: ||δ|| = %{customdata:.4g}<extra></extra>",
        )
    )
    base_layout(fig, delta_norm_title(step), height=340)
    fig.update_xaxes(**layer_ticks(list(layer_names)))
    fig.update_yaxes(title="||δ|| (log scale)", **log_axis(shown))
    fig.update_xaxes(title="layer (input → output)", type="category")
    return fig


def tex_num(value: float, digits: int = 4) -> str:
    """A number in LaTeX with `digits` significant digits (scientific form when tiny or huge)."""
    value = float(value)
    if math.isnan(value):
        return r"\text{NaN}"
    if math.isinf(value):
        return r"\infty" if value > 0 else r"-\infty"
    if value == 0.0:
        return "0"
    if 1e-3 <= abs(value) < 1e4:
        return f"{value:.{digits}g}"
    mantissa, exp = f"{value:.{digits - 1}e}".split("e")
    return rf"{mantissa} \times 10^{{{int(exp)}}}"


def tex_factor(value: float, digits: int = 4) -> str:
    """A number as a factor in LaTeX: in parentheses when negative or scientific.

    So signs never stack (a · (−b)), and a power applies to the whole number: 5.4 × 10^{-5}^2
    is no formula (KaTeX draws its source in red).
    """
    text = tex_num(value, digits)
    return f"({text})" if text.startswith("-") or r"\times" in text else text


def _aligned(lhs: str, *steps: str) -> str:
    # lhs = step1 = step2 ..., one step per line so long products fit the page.
    body = r" \\ ".join(f"&= {step}" for step in steps)
    return rf"\begin{{aligned}} {lhs} {body} \end{{aligned}}"


def _output_delta(t: ChainTerms, n: int) -> tuple[str, str]:
    j, sup = t.j, f"^{{({n})}}"
    lhs = rf"\delta_{{{j}}}{sup} = \frac{{\partial L}}{{\partial z_{{{j}}}{sup}}}"
    if t.loss_delta is None:
        text = (
            f"**The error starts at the output.** With the **{t.loss}** loss and a "
            f"**{t.output}** output, δ mixes all outputs of the sample (a Jacobian, no one-line "
            "formula); this is the engine's value, which already holds the 1/N of the batch mean."
        )
        return text, f"{lhs} = {tex_num(t.delta[n])}"
    assert t.y_hat is not None and t.y is not None  # an output layer's terms
    yh, y = tex_num(t.y_hat[n]), tex_factor(t.y[n])
    nk = f"{t.batch} \\cdot {t.units}"
    if (t.loss, t.output) == ("mse", "identity"):
        formula = rf"\frac{{2(\hat y_{{{j}}} - y_{{{j}}})}}{{N K}}"
        filled = rf"\frac{{2({yh} - {y})}}{{{nk}}}"
    elif (t.loss, t.output) == ("mse", "sigmoid"):
        formula = (
            rf"\frac{{2(\hat y_{{{j}}} - y_{{{j}}})}}{{N K}}\,\hat y_{{{j}}}(1 - \hat y_{{{j}}})"
        )
        filled = rf"\frac{{2({yh} - {y})}}{{{nk}}}\,{yh}\,(1 - {yh})"
    elif t.loss == "bce":
        formula = rf"\frac{{\hat y_{{{j}}} - y_{{{j}}}}}{{N K}}"
        filled = rf"\frac{{{yh} - {y}}}{{{nk}}}"
    else:
        formula = rf"\frac{{\hat y_{{{j}}} - y_{{{j}}}}}{{N}}"
        filled = rf"\frac{{{yh} - {y}}}{{{t.batch}}}"
    text = (
        f"**The error starts at the output.** With the **{t.loss}** loss and a **{t.output}** "
        f"output, δ is set by the prediction ŷ and the target y. N = {t.batch} is the batch "
        f"size and K = {t.units} the number of outputs: the loss is a mean, so the 1/N lives "
        "inside δ."
    )
    return text, f"{lhs} = {formula} = {filled} = {tex_num(t.delta[n])}"


def _hidden_delta(t: ChainTerms, n: int) -> list[tuple[str, str]]:
    j, m, sup = t.j, t.next_layer, f"^{{({n})}}"
    # A hidden layer's terms (chain_rule_terms fills them for every hidden layer).
    assert t.back_sum is not None and t.d_a is not None and t.fprime is not None
    assert t.plain_delta is not None
    back = rf"\sum_k w^{{[{m}]}}_{{{j},k}}\,\delta^{{[{m}]({n})}}_k"
    lines = [
        (
            f"**The error arriving at unit {j} of {t.layer}.** Layer {m} sends its deltas back "
            f"through the weights that leave unit {j}:",
            f"{back} = {tex_num(t.back_sum[n])}",
        )
    ]
    incoming = back
    if t.identity is not None:
        total = t.back_sum[n] + t.identity[n]
        lines.append(
            (
                f"With **residual** connections, {m} adds its input to its output, so the "
                f"error also takes the identity path: dL/dh′, the gradient of {m}'s output, "
                "arrives unchanged.",
                rf"\frac{{\partial L}}{{\partial h_{{{j}}}{sup}}} = {back} + "
                rf"\frac{{\partial L}}{{\partial h'^{{({n})}}_{{{j}}}}} = "
                rf"{tex_num(t.back_sum[n])} + {tex_factor(t.identity[n])} = {tex_num(total)}",
            )
        )
        incoming = rf"\frac{{\partial L}}{{\partial h_{{{j}}}{sup}}}"
    if t.mask is not None:
        before = t.back_sum[n] + (t.identity[n] if t.identity is not None else 0.0)
        lines.append(
            (
                "With **dropout**, the mask m (0 for a dropped unit, 1/(1−p) for a kept one) "
                "multiplies the error just as it multiplied the activation.",
                rf"\frac{{\partial L}}{{\partial a_{{{j}}}{sup}}} = m_{{{j}}}{sup} \cdot "
                rf"{tex_factor(before)} = {tex_num(t.mask[n])} \times {tex_factor(before)} = "
                rf"{tex_num(t.d_a[n])}",
            )
        )
        incoming = rf"\frac{{\partial L}}{{\partial a_{{{j}}}{sup}}}"
    z_arg = rf"\hat z_{{{j}}}{sup}" if t.zn is not None else rf"z_{{{j}}}{sup}"
    z_val = t.zn[n] if t.zn is not None else t.z[n]
    slope = (
        rf"f'({z_arg})\,{incoming}",
        rf"f'({tex_num(z_val)}) \times {tex_factor(t.d_a[n])}",
        rf"{tex_num(t.fprime[n])} \times {tex_factor(t.d_a[n])}",
    )
    if t.ln_term is None:
        lines.append(
            (
                f"**Through the activation.** Multiply by the slope of **{t.activation}** at "
                f"z = {tex_num(z_val)}; this is δ, the error of unit {j}:",
                _aligned(rf"\delta_{{{j}}}{sup}", *slope, tex_num(t.delta[n])),
            )
        )
    else:
        ln_term = t.ln_term
        lines.append(
            (
                f"**Through the activation.** Multiply by the slope of **{t.activation}** at "
                f"ẑ = LayerNorm(z) = {tex_num(z_val)}:",
                _aligned(
                    rf"\frac{{\partial L}}{{\partial \hat z_{{{j}}}{sup}}}",
                    *slope,
                    tex_num(t.plain_delta[n]),
                ),
            )
        )
        lines.append(
            (
                "With **LayerNorm**, z is normalised together with the other units of the "
                "sample, so δ also goes back through the normalisation (scaled by γ/σ, minus "
                "the sample's mean terms); that adds the LayerNorm term:",
                rf"\delta_{{{j}}}{sup} = {tex_num(t.plain_delta[n])} + {tex_factor(ln_term[n])} = "
                rf"{tex_num(t.delta[n])}",
            )
        )
    return lines


def chain_rule_lines(t: ChainTerms, n: int) -> list[tuple[str, str]]:
    """The chain rule for w[i, j] with the step's numbers for sample n: (text, LaTeX) pairs."""
    i, j = t.i, t.j
    a_name = f"x_{{{i}}}" if t.input_name == "x" else f"a_{{{i}}}"
    source = "input x" if t.input_name == "x" else f"layer {t.input_name}'s output"
    lines = [_output_delta(t, n)] if t.layer == "out" else _hidden_delta(t, n)
    dw = rf"\frac{{\partial L}}{{\partial w_{{{i},{j}}}}}"
    terms = [
        f"{tex_factor(t.a_in[k])} \\cdot {tex_factor(t.delta[k])}"
        for k in range(min(PLAIN_TERMS, t.rows))
    ]
    if t.rows > PLAIN_TERMS:
        terms.append(r"\cdots")
    if t.exact:
        scope = f"all N = {t.batch} samples of the batch"
    else:
        scope = (
            f"the {t.rows} recorded samples (the batch has {t.batch}; per-sample values are "
            f"kept for the first {t.rows} only)"
        )
    lines.append(
        (
            f"**The gradient of the weight.** w carries {a_name[0]}{i} "
            f"(unit {i} of {source}) into z of unit {j}, so each sample contributes a·δ; the sum "
            f"runs over {scope}:",
            _aligned(
                dw,
                rf"\sum_{{n}} {a_name}^{{(n)}}\,\delta_{{{j}}}^{{(n)}}",
                " + ".join(terms),
                tex_num(t.dW_terms),
            ),
        )
    )
    if not t.exact:
        lines.append(
            (
                f"The engine's gradient over the whole batch of {t.batch} (the one the optimizer "
                "used):",
                rf"{dw}\Big|_{{\text{{batch}}}} = {tex_num(t.dW)}",
            )
        )
    lines.append(_update_line(t, dw))
    return lines


def _update_line(t: ChainTerms, dw: str) -> tuple[str, str]:
    w = rf"w_{{{t.i},{t.j}}}"
    label = OPTIMIZER_LABELS[t.optimizer][1] if t.optimizer in OPTIMIZER_LABELS else t.optimizer
    if t.sgd_update is not None:
        if t.weight_decay:
            text = (
                f"**The update.** {label} with weight decay λ = {t.weight_decay} steps against "
                f"the gradient with learning rate η = {t.lr}:"
            )
            rule = rf"{w} - \eta\left({dw} + \lambda {w}\right)"
            nums = (
                rf"{tex_num(t.w)} - {tex_num(t.lr)} \times "
                rf"({tex_num(t.dW)} + {tex_num(t.weight_decay)} \times {tex_factor(t.w)})"
            )
        else:
            text = f"**The update.** {label} steps against the gradient, learning rate η = {t.lr}:"
            rule = rf"{w} - \eta\,{dw}"
            nums = rf"{tex_num(t.w)} - {tex_num(t.lr)} \times {tex_factor(t.dW)}"
        return text, rf"{w} \leftarrow {rule} = {nums} = {tex_num(float(t.w_new or 0.0))}"
    if t.update is None:
        return (
            f"**The update.** {label}'s step is not kept for a network this large, so the new "
            "weight is not shown.",
            "",
        )
    text = (
        f"**The update.** {label} does not subtract η·∂L/∂w: it scales each step by running "
        f"averages of past gradients. The step it actually applied to this weight (η·∂L/∂w "
        f"would be {t.lr * t.dW:.4g}):"
    )
    return (
        text,
        rf"{w} \leftarrow {w} - \Delta {w} = {tex_num(t.w)} - {tex_factor(t.update)} = "
        rf"{tex_num(float(t.w_new or 0.0))}",
    )
