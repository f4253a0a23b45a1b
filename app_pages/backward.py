"""Backward pass: the error flowing back, one weight's chain rule, a gradient check."""

from collections.abc import Callable

import plotly.graph_objects as go
import streamlit as st

from engine import Run, StepRecord
from engine.analysis.chain_rule import (
    CHECK_EPS,
    CHECK_TOL,
    chain_rule_terms,
    delta_norms,
    gradient_check,
)
from engine.analysis.experiments import first_last_ratio
from ui import html_block, layout, lesson, runs, transport, weight_picker
from ui.sentences import trend
from viz.backward import (
    MAX_LAYERS,
    chain_rule_lines,
    delta_norm_figure,
    flow_figure,
)
from viz.mathml import formulas_html
from viz.tables import table_html
from viz.transport import with_delta_frames, with_flow_step_frames

SCALE_KEY = "bw_scale"
SCALE_LABELS = {"layer": "Each layer its own range", "log": "One shared log scale"}


def _flow(run: Run, scale: str) -> go.Figure:
    """The flow heatmaps at the last recorded step, with a frame per recorded step."""
    last = run.recorded_steps[-1]
    fig = flow_figure(run.record_at(last), run.layer_names, scale)
    return with_flow_step_frames(fig, run, last, scale)


@st.fragment
def flow_view(run: Run) -> None:
    """The deltas and weight gradients of every layer; the colour scale reruns only this part."""
    scale = st.radio(
        "Colour scale",
        list(SCALE_LABELS),
        format_func=SCALE_LABELS.get,
        key=SCALE_KEY,
        horizontal=True,
        help="Each layer its own range: colours compare units within a layer. Shared log "
        "scale: colours compare layers, over eight powers of ten.",
    )
    fig = transport.over_steps((run.config, "flow", scale), lambda: _flow(run, scale))
    layout.chart(fig, key="bw_flow")
    st.caption(
        "Top row: δ = dL/dz of each unit (columns) for each recorded sample (rows). Bottom row: "
        "dL/dW, one cell per weight, from unit i of the layer below (rows) to unit j (columns). "
        "Blue is positive, red negative, white zero; hover a cell for its exact value. Press "
        "**▶** to watch the error start at the output and travel back to h1. With each "
        "layer on its own range, a tiny error looks as strong as a large one: the shared log "
        "scale compares the layers."
    )
    if len(run.layer_names) > MAX_LAYERS:
        st.caption(
            f"This network has {len(run.layer_names)} weight layers: the heatmaps show "
            f"{MAX_LAYERS} of them, evenly spaced; the bars below show every layer."
        )


def chain_rule_view(run: Run, record: StepRecord, weight: tuple[str, int, int, int]) -> None:
    """The chain rule for one weight with the step's numbers."""
    layer, i, j, n = weight
    rows = record.x.shape[0]
    terms = chain_rule_terms(run, record.step, layer, i, j)
    st.markdown(
        f"Weight **w[{i}, {j}] of {layer}** at step {record.step}, with the numbers of "
        f"sample {n} of the batch (training-set row {record.batch_index[n]}):"
    )
    html_block.show(formulas_html(chain_rule_lines(terms, n)), key="bw_chain_rule")
    with st.expander(f"Every term for all {rows} recorded samples"):
        st.dataframe(terms.frame(), hide_index=True, width="stretch")


CHECK_COLUMNS = {  # shown name, digits after the point
    "analytic": ("analytic (backprop)", 6),
    "numerical": ("central difference", 6),
    "abs_diff": ("|difference|", 1),
    "rel_error": ("relative error", 1),
    "round_off": ("round-off floor", 0),
}


def _scientific(digits: int) -> Callable[[float], str]:
    """A formatter like 1.5e−07, with a minus sign a narrow column does not break after."""
    return lambda v: f"{v:.{digits}e}".replace("e-", "e\u2212")


def gradient_check_view(run: Run, record: StepRecord) -> None:
    """Backprop's gradient next to a finite-difference estimate, for a few entries per layer."""
    table = gradient_check(run, record.step)
    shown = table.rename(columns={k: label for k, (label, _) in CHECK_COLUMNS.items()})
    formats = {label: _scientific(digits) for label, digits in CHECK_COLUMNS.values()}
    formats["agrees"] = lambda ok: "yes" if ok else "no"
    # Plain HTML: the table changes with every step, and st.table (a React table, formatted
    # by pandas' Styler) took a step change from 1.2x to 1.6x-2x the minimal app's time.
    html_block.show(table_html(shown, formats), key="bw_check")
    bad = int((~table["agrees"]).sum())
    if bad:
        st.warning(f"{bad} of {len(table)} entries disagree: the gradient is not trustworthy here.")
    else:
        st.success(f"All {len(table)} checked entries agree.", icon=":material/check:")


def delta_trend(run: Run, record: StepRecord) -> None:
    """How the error's size changes from the last hidden layer back to h1, in words."""
    if run.config.depth > 1:
        norms = delta_norms(record, run.layer_names)
        st.markdown(
            f"Here, from the last hidden layer back to h1, ||δ|| {trend(first_last_ratio(norms))}."
        )


def _delta_bars(run: Run) -> go.Figure:
    """The error size bars at the last recorded step, with a frame per recorded step."""
    last = run.recorded_steps[-1]
    norms = delta_norms(run.record_at(last), run.layer_names)
    return with_delta_frames(delta_norm_figure(run.layer_names, norms, last), run, last)


cfg = runs.config()

link = layout.header(
    "Backward pass",
    "Backpropagation sends the error from the output back to the input, one layer at a "
    "time. Each layer turns the error it receives into δ, the error of its units, and δ "
    "gives the gradient of every weight.",
    link_later=True,
)
layout.try_this(
    "Set **Hidden layers** to 8 and **Activation** to sigmoid, then pick **One shared log "
    "scale** for the colours: the deltas fade layer by layer on their way back to h1 (with "
    "each layer on its own range every layer looks equally strong).",
    apply={"depth": 8, "activation": "sigmoid", SCALE_KEY: "log"},
    key="try_backward",
    label="Set hidden layers 8, activation sigmoid, shared log scale",
)
run = runs.run()
layout.divergence_banner(run)
layout.health_banner(run)
controls = st.container()
rows = run.record_at(run.recorded_steps[-1]).x.shape[0]
if rows < cfg.effective_batch:
    st.caption(
        f"Per-sample values (δ, activations) are kept for the first {rows} of the batch's "
        f"{cfg.effective_batch} samples; dL/dW is the engine's gradient over the whole batch."
    )

st.subheader("The error flowing back", divider="gray")
flow_view(run)
layout.chart(transport.over_steps((cfg, "delta"), lambda: _delta_bars(run)), key="bw_delta")
st.caption(
    "The size of each layer's error. Every layer multiplies the error by its weights and its "
    "activation's slope on the way back: when that factor is below 1, the bars fall towards h1 "
    "and the first layers barely learn (vanishing gradients)."
)
trend_text = st.container()

st.subheader("The chain rule for one weight", divider="gray")
st.markdown(
    "A weight w from unit i to unit j changes the loss only through z of unit j. So its "
    "gradient is the input it multiplies, a_i, times the error of unit j, δ_j, summed over the "
    "batch. δ_j itself is the next layer's error, sent back through the weights, times the "
    "slope of the activation."
)
# Outside the step's fragment: a step change does not redraw the four pickers, and picking
# another weight reruns the page.
weight = weight_picker.pick_weight(run, run.record_at(run.recorded_steps[-1]))
chain = st.container()

st.subheader("Check these gradients", divider="gray")
st.markdown(
    f"Central differences estimate a gradient without backprop: nudge one parameter by "
    f"ε = {CHECK_EPS:g} up and down, rerun the forward pass, and take "
    "(L(w + ε) − L(w − ε)) / 2ε. Below, the largest entries of each layer's gradient, "
    f"computed both ways on the step's weights and its {rows} recorded samples (same dropout "
    f"masks). They agree when the relative error is below {CHECK_TOL:g}, or, for a tiny "
    "gradient, when the difference is under the round-off floor: the rounding of the loss "
    "itself divided by 2ε."
)
check = st.container()
nav = st.container()


@st.fragment
def at_step(run: Run) -> None:
    """Everything that shows the chosen step: moving the step or a picker reruns only this."""
    with controls:
        step = transport.controls(run, cfg)
    record = run.record_at(step)
    with trend_text:
        delta_trend(run, record)
    with chain:
        chain_rule_view(run, record, weight)
    with check:
        gradient_check_view(run, record)
    lesson.links_at_step(link, nav, "app_pages/backward.py")


at_step(run)
