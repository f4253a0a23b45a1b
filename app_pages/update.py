"""Update: one weight before and after the optimizer's step, and what the step did to the loss."""

import streamlit as st

from engine import Run, StepRecord
from engine.analysis.chain_rule import chain_rule_terms
from engine.analysis.update_rule import has_update, step_effect, update_ratios, update_terms
from ui import html_block, layout, lesson, runs, transport, weight_picker
from viz.gradients import update_ratio_figure
from viz.mathml import formulas_html
from viz.optimizers import OPTIMIZER_LABELS
from viz.update import loss_change_sentence, ratio_sentence, update_lines


def weight_view(run: Run, record: StepRecord, weight: tuple[str, int, int, int]) -> None:
    """The chosen weight's update term by term."""
    layer, i, j, n = weight
    t = update_terms(run, record.step, layer, i, j)
    tiles = (
        ("w before", t.w_before),
        ("dL/dw", t.grad),
        ("Δw subtracted", t.update),
        ("w after", t.w_after),
    )
    for col, (label, value) in zip(st.columns(4), tiles, strict=True):
        col.metric(label, f"{value:.6g}", border=True, help=f"Exactly {value!r}")
    html_block.show(formulas_html(update_lines(t)), key="up_rule")
    share = chain_rule_terms(run, record.step, layer, i, j).products[n]
    st.caption(
        f"Sample {n}'s share of dL/dw is a_i · δ_j = {share:.4g}: the gradient adds up such "
        "shares over the whole batch, so one update serves every sample of the batch at once."
    )
    ratio = update_ratios(run, record.step)[layer]
    following = run.records.get(record.step + 1)
    if following is not None:
        recorded = float(following.params[f"{layer}.W"][i, j])
        st.success(
            f"Check: the weight the engine recorded at step {following.step} is "
            f"{recorded!r}, the same number as w after.",
            icon=":material/check:",
        )
    elif record.step != run.recorded_steps[-1]:
        after = run.recorded_steps[run.recorded_steps.index(record.step) + 1]
        between = after - record.step - 1
        updates = "1 more update happens" if between == 1 else f"{between} more updates happen"
        st.caption(
            f"The next recorded step is {after}: {updates} before it, so its weight is not "
            f"w after. Steps are recorded every {run.stride}."
        )
    st.markdown(f"**How big was the step for the whole layer?** {ratio_sentence(layer, ratio)}")
    st.caption(
        "The update ratio ‖ΔW‖ / ‖W‖ compares the size of the change with the size of the "
        "weights. Around 1e-3 (a thousandth per step) is a common rule of thumb: much smaller "
        "and the layer learns slowly, much larger and it may jump around."
    )


def step_view(run: Run, record: StepRecord, weight: tuple[str, int, int, int] | None) -> None:
    """The chosen step's update of one weight, and what it did to the batch's loss."""
    if weight is None or not has_update(run, record.step):
        if record.step == run.diverged_at:
            st.warning(
                f"At step {record.step} the loss was not a finite number, so no update was "
                "applied. Pick an earlier **Step**."
            )
        else:
            st.warning(
                "This network is too large to keep the optimizer's update at the recorded "
                "steps. Use fewer **Hidden layers** or **Units per layer** to see it."
            )
        return
    weight_view(run, record, weight)

    st.subheader("Did this step help?", divider="gray")
    effect = step_effect(run, record.step)
    left, right = st.columns(2)
    left.metric("Loss on the batch before", f"{effect.loss_before:.6g}", border=True)
    right.metric(
        "Loss on the same batch after",
        f"{effect.loss_after:.6g}",
        f"{effect.change:+.3g}",
        delta_color="inverse",
        border=True,
    )
    st.markdown(loss_change_sentence(effect.loss_before, effect.loss_after, record.step))
    if run.config.dropout:
        st.caption(
            "Both losses are measured without dropout, so they differ from the training "
            "loss of the step, which dropped units at random."
        )


cfg = runs.config()
run = runs.run()

link = layout.header(
    "Update",
    "The backward pass gave every weight its gradient dL/dw. The optimizer now moves each "
    "weight a little against it, and the next step starts from the new weights. Here is "
    "that move for one weight, with the numbers of the chosen step.",
    link_later=True,
)
# Compare the other of SGD and Adam with the one this run uses.
other = "sgd" if cfg.optimizer == "adam" else "adam"
layout.try_this(
    f"Set **Optimizer** to {other} and compare the step of the same weight: Adam divides by "
    "the gradient's typical size, so weights with tiny and large gradients take steps of "
    "similar size, up to about the learning rate; SGD's step is lr times the gradient.",
    apply={"optimizer": other},
    key="try_update",
)
layout.divergence_banner(run)
controls = st.container()
st.markdown(
    f"Optimizer: **{OPTIMIZER_LABELS[cfg.optimizer][1]}**, learning rate **{cfg.lr:g}**"
    + (f", weight decay **{cfg.weight_decay:g}**." if cfg.weight_decay else ".")
)
weight = None
if any(has_update(run, s) for s in run.recorded_steps):
    st.subheader("One weight, before and after", divider="gray")
    # Outside the step's fragment: a step change does not redraw the four pickers, and
    # picking another weight reruns the page.
    weight = weight_picker.pick_weight(run, run.record_at(run.recorded_steps[-1]))
body = st.container()

st.subheader("Update ratios over training", divider="gray")
ratios = transport.line_over_steps(
    (cfg, "update"), run, lambda step: update_ratio_figure(run, step)
)
layout.chart(ratios, key="update_ratios")
st.caption(
    "Every layer's update ratio at every step; the dashed line is the rule of thumb and "
    "the vertical line the chosen step."
)
nav = st.container()


@st.fragment
def at_step(run: Run) -> None:
    """Everything that shows the chosen step: moving the step or a picker reruns only this."""
    with controls:
        step = transport.controls(run, cfg)
    with body:
        step_view(run, run.record_at(step), weight)
    lesson.links_at_step(link, nav, "app_pages/update.py")


at_step(run)
