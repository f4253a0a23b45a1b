"""Optimizers: SGD, momentum, RMSProp, Adam and AdamW on the same network, data and weights."""

import streamlit as st

from engine.analysis.landscape import (
    comparison_frame,
    loss_rose,
    median_update_ratio,
    start_loss,
)
from ui import layout, optimizer_runs
from ui import runs as run_cache
from ui.sentences import update_spread_sentence
from viz.optimizers import (
    LABELS,
    loss_curves_figure,
    state_figure,
    surface_figure,
    target_table,
    update_ratio_figure,
)

TARGETS = (0.5, 0.25, 0.1, 0.05, 0.01)  # target loss as a fraction of the starting loss
DIRECTIONS = {
    "pca": "Principal directions of the paths (PCA)",
    "random": "Two random directions (filter-normalised)",
}

cfg = run_cache.config()
data = run_cache.uploaded_dataset()

layout.header(
    "Optimizers",
    "SGD, momentum, RMSProp, Adam and AdamW train the same network on the same data, "
    "starting from the same initial weights. Only the update rule differs.",
)
layout.try_this(
    "Set **Learning rate** to 0.3: SGD and momentum catch up, while RMSProp's steps "
    "become too big and its loss stalls high.",
    apply={"lr": 0.3},
    key="try_optimizers",
)
st.caption(
    f"Every optimizer uses the sidebar's **Learning rate** ({cfg.lr:g}). The same number "
    "gives each rule a different step, and that difference is what this page shows."
)

runs = optimizer_runs.train_all(cfg, data)
names = {name: LABELS.get(name, name) for name in runs}
steps = next(iter(runs.values())).config.steps
if steps < cfg.steps:
    st.caption(
        f"This network is large, so each of the {len(runs)} optimizers trains for {steps} "
        f"of the {cfg.steps} steps here, to keep the page quick."
    )
diverged = [name for name, run in runs.items() if run.diverged]
if diverged:
    lines = "; ".join(f"{names[n]} diverged at step {runs[n].diverged_at}" for n in diverged)
    st.error(
        f"{lines}. Their curves and paths stop there; the others are drawn in full. "
        "Lower the **Learning rate**.",
        icon=":material/warning:",
    )
rose = [names[n] for n, run in runs.items() if not run.diverged and loss_rose(run)]
if rose:
    st.warning(
        f"The training loss ended higher than it started for {', '.join(rose)}: at learning "
        f"rate {cfg.lr:g} their steps overshoot the valley. Lower the **Learning rate**.",
        icon=":material/trending_up:",
    )


@st.fragment
def loss_view() -> None:
    """Loss curves and the steps each optimizer needs to reach a target loss."""
    st.subheader("Loss curves")
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    share = left.select_slider(
        "Target loss (share of the starting loss)",
        options=TARGETS,
        value=0.25,
        format_func=lambda v: f"{v:.0%}",
        key="opt_target",
    )
    with right:
        log_y = layout.loss_scale()
    target = share * start_loss(next(iter(runs.values())))
    fig = layout.figure(loss_curves_figure, (cfg, log_y, target), runs, log_y=log_y, target=target)
    layout.chart(fig, key="opt_loss")
    st.dataframe(target_table(comparison_frame(runs, target)), hide_index=True, width="stretch")
    st.caption(
        f"Target: {share:.0%} of the starting training loss, {target:.4g}. The loss is on "
        "the whole training set, measured after each step's update."
    )


loss_view()

st.subheader("Step size per layer")
layout.chart(layout.figure(update_ratio_figure, cfg, runs), key="opt_ratios")
st.caption(
    "Each step changes a layer's weights by the update ratio ‖ΔW‖ / ‖W‖; about 10⁻³ is "
    "a common rule of thumb. SGD's step follows the gradient, so it is tiny where "
    "gradients are small. RMSProp and Adam divide by the gradient's running size, which "
    "evens out the layers' steps unless a gradient is so small that ε dominates."
)
st.markdown(
    "\n".join(
        f"- {update_spread_sentence(names[n], list(median_update_ratio(runs[n])))}"
        for n in ("rmsprop", "adam")
        if n in runs
    )
)


@st.fragment
def surface_view() -> None:
    """The loss surface on a 2-D slice, with every optimizer's path."""
    st.subheader("The loss surface around the solution")
    method = st.radio(
        "Directions of the slice",
        options=tuple(DIRECTIONS),
        format_func=DIRECTIONS.get,
        horizontal=True,
        key="opt_dirs",
    )
    surface = optimizer_runs.surface(cfg, data, method)
    layout.chart(layout.figure(surface_figure, (cfg, method), surface), key="opt_surface")
    if surface.center_name != cfg.optimizer:
        centre = "the initial weights" if surface.center_name == "start" else surface.center_name
        st.caption(f"{names.get(cfg.optimizer)} diverged, so the slice is centred on {centre}.")
    st.markdown(
        "The slice is centred on the final weights, and the paths are projected onto it. "
        "PCA of the paths picks the plane they move in most; random directions in a space "
        f"of {next(iter(runs.values())).final_params.flat.size:,} weights are nearly "
        "perpendicular to every path, so the paths shrink towards the centre."
    )
    st.markdown(
        "A **local minimum** is a bowl: closed contours around a low point that nearby "
        "paths settle into. A **saddle region** rises in one direction and falls in the "
        "other (contours like an hourglass), where paths slow down before escaping."
    )
    st.caption(
        "This is a 2-D slice of a surface over all the weights: a point that looks like a "
        "minimum here can still slope down in directions the slice does not show. Hover a "
        f"path for its real loss at that step (on {surface.n_points} training points)."
    )


surface_view()


@st.fragment
def state_view() -> None:
    """One weight's value, gradient and optimizer state over training."""
    st.subheader("Inside the optimizers: one weight's state")
    first = next(iter(runs.values()))
    layers = first.layer_names
    if st.session_state.get("opt_layer") not in layers:
        st.session_state["opt_layer"] = layers[0]
    cols = st.columns(3)
    layer = cols[0].selectbox(
        "Layer",
        options=layers,
        key="opt_layer",
        format_func=lambda n: (
            f"{n} (W is {first.records[0].layers[n].W.shape[0]}"
            f" x {first.records[0].layers[n].W.shape[1]})"
        ),
    )
    fan_in, fan_out = first.records[0].layers[layer].W.shape
    # A new layer or network may be smaller: keep the picked indices inside it.
    for key, size in (("opt_i", fan_in), ("opt_j", fan_out)):
        if not 0 <= st.session_state.get(key, 0) < size:
            st.session_state[key] = 0
    i = cols[1].number_input("Input i (row of W)", 0, fan_in - 1, step=1, key="opt_i")
    j = cols[2].number_input("Unit j (column of W)", 0, fan_out - 1, step=1, key="opt_j")
    fig = layout.figure(state_figure, (cfg, layer, i, j), runs, layer, int(i), int(j))
    layout.chart(fig, key="opt_state")
    if first.records[0].update is None:
        st.caption("For a network this large the optimizer state is not recorded.")
    st.caption(
        "Momentum's velocity adds up past gradients. RMSProp's square_avg and Adam's v "
        "track the gradient's squared size, and the step divides by its square root. "
        "Adam's m is a running mean of the gradient. The weight and gradient are those of "
        "each recorded step; the state is after that step's update."
    )


state_view()
