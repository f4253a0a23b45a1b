"""Overview: the four steps of training on the live run, and where each page goes."""

import math
from typing import Literal

import streamlit as st

from engine import Run
from engine.analysis.grid import animation_steps, max_frames, predictions_on_grid
from ui import layout, lesson, runs, transport
from ui.sentences import diagram_caption, metric_delta
from viz.network_graph import fits_graph
from viz.preview import data_figure
from viz.transport import animated_boundary, animated_loss, animated_network

RESOLUTION = 40  # grid points per axis of the boundary plot

STEPS_OF_TRAINING = [
    (
        "1 · Forward pass",
        "The inputs flow through the layers. Each unit computes z = h·W + b and a = f(z); "
        "the last layer's output is the prediction ŷ.",
        "app_pages/forward.py",
        ":material/arrow_forward:",
    ),
    (
        "2 · Error",
        "The loss compares ŷ with the target y and sums up, in one number, how wrong the batch is.",
        "app_pages/error.py",
        ":material/target:",
    ),
    (
        "3 · Backward pass",
        "The chain rule carries the error back, layer by layer, and gives dL/dW: how the "
        "loss changes with each weight.",
        "app_pages/backward.py",
        ":material/arrow_back:",
    ),
    (
        "4 · Update",
        "The optimizer moves every weight a little against its gradient, W ← W − lr·dL/dW, "
        "and the next step starts.",
        "app_pages/update.py",
        ":material/update:",
    ),
]

PAGE_NAMES = {
    "app_pages/forward.py": "Forward pass",
    "app_pages/error.py": "Error",
    "app_pages/backward.py": "Backward pass",
    "app_pages/update.py": "Update",
}

MORE_PAGES = [
    (
        "app_pages/worked_example.py",
        "Worked example",
        ":material/calculate:",
        "One step of backprop by hand, on two small networks, every number shown.",
    ),
    (
        "app_pages/gradient_norms.py",
        "Gradient norms",
        ":material/bar_chart:",
        "How large each layer's gradient is at every step, and how big its updates are.",
    ),
    (
        "app_pages/vanishing.py",
        "Vanishing gradients",
        ":material/trending_down:",
        "Why deep networks stop learning, and how residual connections and LayerNorm help.",
    ),
    (
        "app_pages/optimizers.py",
        "Optimizers",
        ":material/speed:",
        "SGD, momentum, RMSProp and Adam on the same network and the same data.",
    ),
    (
        "app_pages/local_minima.py",
        "Local minima",
        ":material/landscape:",
        "The same network from many seeds: do the runs end in the same place?",
    ),
]


def _boundary(run, frames: list[int]):
    """The boundary figure, with the network's predictions on the grid at every frame."""
    return animated_boundary(run, frames, predictions_on_grid(run, frames, RESOLUTION))


def _number(value: float, percent: bool = False) -> str:
    if not math.isfinite(value):
        return "–"
    return f"{value:.1%}" if percent else f"{value:.4g}"


def _metric_tiles(run) -> None:
    """Final train/test loss and accuracy, with the change since the first evaluation."""
    tiles: list[tuple[str, str, str | None, Literal["normal", "inverse", "off"]]] = [
        ("Steps", f"{run.steps_run}", None, "normal")
    ]
    series = [("Train loss", run.train_loss, False), ("Test loss", run.test_loss, False)]
    if run.data.task != "regression":
        series += [("Train accuracy", run.train_acc, True), ("Test accuracy", run.test_acc, True)]
    for label, values, percent in series:
        if len(values) == 0 or not math.isfinite(values[-1]):
            tiles.append((label, "–", None, "off"))
            continue
        delta = metric_delta(values[-1] - values[0], percent)
        tiles.append(
            (label, _number(values[-1], percent), delta, "normal" if percent else "inverse")
        )
    for col, (label, value, change_text, colour) in zip(st.columns(len(tiles)), tiles, strict=True):
        col.metric(
            label,
            value,
            change_text,
            delta_color=colour,
            help="At the last step, on the whole split (the loss chart's marker is the loss "
            "of one batch); the arrow compares with step 0.",
            border=True,
        )


cfg = runs.config()

link = layout.header(
    "Overview",
    "Backpropagation is how a neural network learns from its mistakes. Every training step "
    "does the four things below; this app shows each one with the real numbers of the "
    "network you set up in the sidebar.",
    link_later=True,
)
layout.try_this(
    "Press **▶ Play** above the charts to watch the network learn. Then set **Units per layer** "
    "to 1: every later layer sees a single number, so the boundary can only be a straight line "
    "and the circle cannot be fitted.",
    apply={"width": 1},
    key="try_overview",
)
banner = st.container()

for col, (title, text, page, icon) in zip(st.columns(4), STEPS_OF_TRAINING, strict=True):
    with col.container(border=True, height="stretch"):
        st.markdown(f"**{title}**")
        st.caption(text)
        st.page_link(page, label=PAGE_NAMES[page], icon=icon)

controls = st.container()
left, right = st.columns([1.15, 1], gap="medium")
boundary_slot = left.empty()


def show_data() -> None:
    """The training data, in the boundary's place until the network is trained."""
    with boundary_slot:
        layout.preview_chart(
            data_figure(runs.data_for(cfg, runs.uploaded_dataset())), key="overview_data"
        )


if layout.drawn_anew() and not runs.is_cached(cfg, runs.uploaded_dataset()):
    # Nothing of this page is on screen yet: show the data at once, while it trains.
    show_data()
    with controls:
        run = runs.run()
else:
    # A rerun: the page's charts stay on screen while a quick retrain runs (drawing the data
    # in between would cost the browser a chart), and give way to the data only if the
    # training takes long enough to show its progress.
    with controls:
        run = runs.run(while_slow=show_data)
with banner:
    layout.divergence_banner(run)
    layout.health_banner(run)
with left:
    count = max_frames(run, RESOLUTION)
    frames = animation_steps(run.recorded_steps, run.recorded_steps[-1], count)
    with st.spinner("Drawing the model at each recorded step…"):
        # The figures do not depend on the step: the transport shows it in the browser, so
        # moving the step rebuilds and resends none of them.
        fig = layout.figure(_boundary, (cfg, tuple(frames)), run, frames)
    with boundary_slot:
        layout.chart(fig, key="overview_boundary")
    plays = "; ▶ Play shows these" if transport.play_steps(run, frames) == frames else ""
    st.caption(
        f"Each frame is the network with the weights recorded at that step ({len(frames)} of "
        f"{len(run.recorded_steps)} recorded steps{plays}). Circles: training points; "
        "diamonds: test points, never used for training."
    )
with right:
    log_y = layout.loss_scale()
    layout.chart(layout.figure(animated_loss, (cfg, log_y), run, log_y=log_y), key="overview_loss")
    network = layout.figure(animated_network, (cfg, tuple(frames)), run, frames)
    layout.chart(network, key="overview_network")
    st.caption(diagram_caption(fits_graph(run.sizes)))

_metric_tiles(run)

st.subheader("Go deeper", divider="gray")
for col, (page, label, icon, note) in zip(st.columns(len(MORE_PAGES)), MORE_PAGES, strict=True):
    col.page_link(page, label=label, icon=icon)
    col.caption(note)

layout.downloads(run, key="overview_dl")
nav = st.container()


@st.fragment
def at_step(run: Run, held: list[int]) -> None:
    """The step and its transport: moving the step reruns only this, not the charts."""
    with controls:
        transport.controls(run, cfg, held)
    lesson.links_at_step(link, nav, "app_pages/overview.py")


at_step(run, frames)
