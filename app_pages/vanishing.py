"""Vanishing gradients: one network trained four ways, and how depth shrinks the first gradient."""

import numpy as np
import streamlit as st

from engine.analysis.experiments import MEASURES, VARIANT_LABELS, per_layer_factor
from engine.core.activations import ACTIVATIONS
from ui import layout, runs, vanishing_runs
from ui.sentences import (
    chain_sentence,
    layernorm_slope_sentence,
    residual_sentence,
    trend,
)
from ui.vanishing_runs import sci
from viz.preview import data_figure
from viz.vanishing import depth_sweep_figure, loss_figure, profile_figure

MEASURE_LABELS = {
    "delta": "dL/dz: the error reaching each layer",
    "dW": "dL/dW: each layer's weight gradient",
}

layout.header(
    "Vanishing gradients",
    "Why does a deep network stop learning in its first layers? The same data, seed and depth, "
    "trained four ways: plain, with residual connections, with LayerNorm, and with both.",
)
layout.try_this(
    "Set **Activation** to sigmoid, **Init** to normal and **Hidden layers** to 20: the plain "
    "network's first layer gets almost no gradient, while the residual ones keep it. Then set "
    "**Activation** to tanh and **Init** to xavier_normal with **Units per layer** at 64.",
    apply={"activation": "sigmoid", "init": "normal", "depth": 20},
    key="try_vanishing",
)

cfg = runs.config()
data = runs.uploaded_dataset()
early = st.empty()
if not vanishing_runs.comparison.ready(cfg, data):
    # Four trainings and a sweep take a while: show the data they learn from meanwhile.
    with early:
        layout.preview_chart(
            data_figure(runs.data_for(cfg, data), height=320), key="vanishing_data"
        )
results = vanishing_runs.comparison(cfg, data)
sweep = vanishing_runs.sweep(cfg, data)
early.empty()
plain = results["plain"]
depth = cfg.depth
act = ACTIVATIONS[cfg.activation]
n_inputs = 2  # every data set, built-in or uploaded, has two features

diverged = [VARIANT_LABELS[n] for n, r in results.items() if r.diverged_at is not None]
if diverged:
    st.error(
        f"Training diverged for: {', '.join(diverged)}. Their curves stop at the step where the "
        "loss became NaN or infinite; lower the **Learning rate**.",
        icon=":material/warning:",
    )

measure = st.radio(
    "Gradient measured as",
    tuple(MEASURES),
    format_func=MEASURE_LABELS.get,
    horizontal=True,
    key="vanishing_measure",
    help=(
        "dL/dz is the error signal backprop passes down, at each layer's pre-activations z. "
        "dL/dW = hᵀ·dL/dz also grows and shrinks with the layer's input h."
    ),
)
label = MEASURES[measure]

st.subheader("How much gradient reaches each layer")
layout.chart(profile_figure(results, measure), key="vanishing_profiles")

st.markdown(
    f"**First hidden layer ÷ last hidden layer** ({label} at step 0, {depth} hidden layers)"
)
columns = st.columns(len(results))
for column, (name, r) in zip(columns, results.items(), strict=True):
    column.metric(
        VARIANT_LABELS[name],
        sci(r.ratio(measure)),
        help=f"After training (step {r.last_step}): {sci(r.ratio(measure, at_start=False))}",
    )
if depth == 1:
    st.caption(
        "With one hidden layer the first layer is the last: there is no chain to shrink the "
        "gradient yet. Raise **Hidden layers**."
    )
else:
    st.markdown(
        "\n".join(
            f"- {VARIANT_LABELS[name]}: the gradient {trend(r.ratio(measure))}."
            for name, r in results.items()
        )
    )
if measure == "dW" and cfg.activation != "sigmoid":
    st.caption(
        f"dL/dW = hᵀ·dL/dz. With small weights the input h shrinks going forward as fast as the "
        f"error shrinks going back, so the weight gradients can look level while dL/dz vanishes: "
        f"here the plain network's dL/dz ratio is {sci(plain.ratio('delta'))}."
    )

st.subheader("The chain rule is a product")
st.markdown(
    "Going back one layer, the error is multiplied by that layer's weights and by the slope of "
    "its activation:"
)
st.latex(
    r"\delta_l = \left(\delta_{l+1}\, W_{l+1}^{\top}\right) \odot f'(z_l),"
    r"\qquad \delta_l = \frac{\partial L}{\partial z_l}"
)
plain_ratio = plain.ratio(measure)
factor = per_layer_factor(plain.start[measure]) if depth > 1 else float("nan")
st.markdown(chain_sentence(depth, plain_ratio, factor))
sigmoid = ACTIVATIONS["sigmoid"].max_slope
st.markdown(
    f"**The activation's slope.** Sigmoid's derivative σ'(z) = σ(z)(1 − σ(z)) is at most "
    f"**{sigmoid}**, so even with helpful weights ten sigmoid layers scale the error by at "
    f"most {sigmoid}¹⁰ = {sci(sigmoid**10)}. Your activation, {cfg.activation}, has a slope "
    f"of at most {act.max_slope}; in the plain network at step 0 its mean |f'(z)| per layer "
    f"is {vanishing_runs.span(plain.slopes)}."
)

residual, layernorm, both = results["residual"], results["layernorm"], results["both"]
st.markdown(
    "**Residual connections.** A residual layer outputs h' = h + f(z). Going back, "
    "∂L/∂h = ∂L/∂h' + (the path through the layer): the first term is the identity path, "
    "which carries the gradient past the layer unchanged, however small the second term gets. "
    + (
        f"Here the first ÷ last ratio is **{sci(residual.ratio(measure))}** with residual "
        f"connections against {sci(plain_ratio)} without. "
        if depth > 1
        else ""
    )
    + residual_sentence(depth, n_inputs, cfg.width)
    + (
        " Each residual layer also adds its own path on top of the identity, so without "
        "normalisation the gradient can grow on its way back: it explodes instead of vanishing."
        if residual.ratio(measure) > 10
        else ""
    )
)
st.markdown(
    "**LayerNorm.** It divides each sample's z by its spread across the layer's units, then "
    "scales by γ. Forward, that keeps z near unit size whatever the weights. "
    + layernorm_slope_sentence(float(np.mean(plain.slopes)), float(np.mean(layernorm.slopes)))
    + " Backward, it multiplies the gradient by γ / std(z), which undoes the shrinking caused by "
    f"small weights (but not a slope that is at most {sigmoid}). Ratio: "
    f"**{sci(layernorm.ratio(measure))}** with LayerNorm, **{sci(both.ratio(measure))}** "
    "with both."
    + (
        " With one unit per layer, z − mean(z) is always 0: LayerNorm outputs β whatever its "
        "input, so no gradient passes back through it (n/a)."
        if cfg.width == 1
        else ""
    )
)

st.subheader("Training the four networks")
log_y = layout.loss_scale()
layout.chart(loss_figure(results, log_y=log_y), key="vanishing_loss")
trained = plain.config.steps
st.caption(
    "The loss on the whole training set. A network whose first layers get no gradient learns "
    "with its last layer only, and its loss falls slowly or stalls."
    + (
        f" To keep this page quick, each of the four networks trains for {trained} of your "
        f"{cfg.steps} steps."
        if trained < cfg.steps
        else ""
    )
)

st.subheader("Depth against the first layer's gradient")
layout.chart(depth_sweep_figure(sweep, measure, depth), key="vanishing_sweep")
first = sweep.first_layer[measure]
st.markdown(
    f"One forward and backward pass of each untrained network ({cfg.activation}, "
    f"{cfg.init} initialisation) on the same batch, no training. From 1 to "
    f"{sweep.depths[-1]} hidden layers the plain network's first-layer gradient goes from "
    f"{sci(first['plain'][0])} to **{sci(first['plain'][-1])}**; with residual connections "
    f"it ends at **{sci(first['residual'][-1])}**, with LayerNorm at "
    f"{sci(first['layernorm'][-1])}, with both at {sci(first['both'][-1])}."
)
if (sweep.widths != cfg.width).any():
    st.caption(
        f"Deep networks of {cfg.width} units exceed this demo's weight budget; at those depths "
        "the sweep uses the widest layers the sidebar would allow (hover a point to see it)."
    )
layout.try_this(
    "Change **Init** (standard, normal with a small **Init std (for 'normal')**, xavier, he) "
    "and **Activation** (sigmoid, tanh, relu) and watch the plain line tilt up or down."
)
