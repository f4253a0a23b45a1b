"""Local minima: the same network and data trained from several seeds. Do they end alike?"""

import streamlit as st

from engine.analysis.seeds import (
    SAME_FLOOR,
    SAME_SHARE,
    SEED_COUNTS,
    final_grid,
    steps_per_run,
    verdict,
)
from engine.training.loop import dataset_for
from ui import layout, runs, seed_runs
from viz.seeds import boundaries_figure, final_losses_figure, loss_curves_figure, verdict_text

RUNS_KEY = "lm_runs"
RESOLUTION = 40

cfg = runs.config()
data = runs.uploaded_dataset()

layout.header(
    "Local minima",
    "Training starts from random weights. Start somewhere else and gradient descent may "
    "walk into another valley of the loss surface, or stall on a flat stretch. Here the "
    "network from the sidebar trains from several seeds on the same data.",
)
layout.try_this(
    "Set **Units per layer** to 3 and **Activation** to relu: with so few units, some "
    "starts leave dead units behind and those runs stop far above the others."
)
count = int(
    st.segmented_control(
        "Runs",
        SEED_COUNTS,
        default=SEED_COUNTS[0],
        required=True,
        key=RUNS_KEY,
        bind="query-params",
        help="How many seeds to train: the sidebar's seed, then the next ones.",
    )
)
steps = steps_per_run(cfg, data if data is not None else dataset_for(cfg), count)
if steps == 0:
    st.warning(
        f"This network is too large to train {count} times within this page's budget. "
        "Use fewer **Hidden layers**, **Units per layer** or **Samples**, or fewer runs.",
        icon=":material/hourglass_disabled:",
    )
    st.stop()

result = seed_runs.seed_runs(cfg, count, data)
fewer = f" (of the sidebar's {cfg.steps}, to keep the page within a few seconds)"
st.caption(
    f"Seeds {result.seeds[0]} to {result.seeds[-1]}: each changes the starting weights and "
    f"the order of the batches, nothing else. Each run trains {steps} steps"
    f"{fewer if steps < cfg.steps else ''}. The first time, training all {count} runs takes "
    "a few seconds; then they come from the cache."
)
v = verdict(result.final, result.curves[result.worst])
st.markdown(verdict_text(v, result))
st.caption(
    f"The rule: the runs ended in the same place when best and worst final loss differ by "
    f"less than {SAME_SHARE:g} times the median final loss, or by less than {SAME_FLOOR:g}."
)

left, right = st.columns(2, gap="medium")
with left:
    fig = layout.figure(final_losses_figure, (cfg, count, "final"), result, v.median)
    layout.chart(fig, key="lm_final")
with right:
    layout.chart(layout.figure(loss_curves_figure, (cfg, count, "curves"), result), key="lm_curves")
st.caption(
    "The loss is measured on the whole training set. Curves that flatten at different "
    "heights ended in different places; a curve with a long flat stretch followed by a "
    "drop crossed a plateau."
)
best = final_grid(result.runs[result.best], RESOLUTION)
worst = final_grid(result.runs[result.worst], RESOLUTION)
fig = layout.figure(boundaries_figure, (cfg, count, "boundaries"), result, best, worst)
layout.chart(fig, key="lm_boundaries")
st.caption(
    "The network's output over the input plane after training, for the best run (left) "
    "and the worst (right); points are the training data."
)
