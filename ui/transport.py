"""One transport per page of a run: Play, Pause, Step, To start and a speed, run in the browser.

Every chart of the page built with one Plotly frame per recorded step (viz.transport) moves
together: the browser animates each to the frame of the current step, a few times a second,
without asking the server. Pause, Step and To start hand the step back to the server once:
it becomes the page's Step (kept in the URL, so the link reproduces it and the other pages
open there).

Each page draws its Step slider, this transport and whatever shows the step in words or
tables in one st.fragment, written into containers placed through the page: a step change
reruns that fragment only, and the charts, built once per run at the last step
(over_steps), stay in the browser and move there.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Hashable
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from engine import Run
from ui.layout import STEP_KEY, step_picker, with_room
from ui.runs import CACHE_TTL, data_key
from ui.scripts import component_script
from viz.transport import with_moving_line

KEY = "transport"
SPEEDS = (2, 5, 10, 20)  # steps shown per second
DEFAULT_SPEED = 10
# Fewest steps Play goes through when a page's charts hold only some recorded steps: two
# seconds at the default speed. Fewer, and Play goes through every recorded step instead.
MIN_PLAY_STEPS = 20

HTML = """
<div class="bp-transport" role="group" aria-label="Training playback">
  <button class="bp-start" title="Back to step 0">|◀ Start</button>
  <button class="bp-play" title="Play or pause training">▶ Play</button>
  <button class="bp-next" title="One recorded step forward">Step ▶|</button>
  <label>speed <select class="bp-speed">{options}</select></label>
  <span class="bp-readout"></span>
</div>
"""
CSS = """
.bp-transport { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center;
  font-family: var(--st-font, sans-serif); font-size: 0.9rem; color: var(--st-text-color); }
.bp-transport button { border: 1px solid var(--st-border-color, #d1d5db); border-radius: 0.5rem;
  background: var(--st-secondary-background-color, #f1f5f9); color: inherit; font: inherit;
  padding: 0.25rem 0.75rem; cursor: pointer; }
.bp-transport button:hover { border-color: var(--st-primary-color, #2563eb); }
.bp-transport select { font: inherit; }
.bp-readout { font-variant-numeric: tabular-nums; }
"""

NAME = "backprop_lab_transport"
_COMPONENT = st.components.v2.component(
    NAME,
    html=HTML.format(
        options="".join(
            f'<option value="{s}"{" selected" if s == DEFAULT_SPEED else ""}>{s} steps/s</option>'
            for s in SPEEDS
        )
    ),
    css=CSS,
    js=component_script(Path(__file__).with_name("transport.js")),
)


def _fmt(value: float, percent: bool = False) -> str:
    if not math.isfinite(value):
        return "–"
    return f"{value:.1%}" if percent else f"{value:.4g}"


def readout(run: Run) -> list[str]:
    """For each recorded step, a line of the numbers at that step (shown while it plays)."""
    lines = []
    classify = run.data.task != "regression"
    for s in run.recorded_steps:
        parts = [f"step {s} of {run.steps_run - 1}"]
        if s < run.steps_run:
            parts.append(f"batch loss {_fmt(float(run.loss[s]))}")
        k = int(np.searchsorted(run.eval_steps, s, side="right")) - 1  # last evaluation by s
        if k >= 0:
            parts.append(f"test loss {_fmt(float(run.test_loss[k]))}")
            if classify:
                parts.append(f"test accuracy {_fmt(float(run.test_acc[k]), percent=True)}")
            if run.eval_steps[k] != s:
                parts[-1] += f" (at step {run.eval_steps[k]})"
        lines.append(" · ".join(parts))
    return lines


def _take_step(steps: list[int]) -> None:
    """The browser paused or stepped: make its step the page's Step (a recorded one only)."""
    value = (st.session_state.get(KEY) or {}).get("step")
    if isinstance(value, int) and value in steps:
        st.session_state[STEP_KEY] = value


def play_steps(run: Run, held: list[int] | None = None) -> list[int]:
    """The recorded steps Play shows: those every chart of the page holds a frame for.

    A chart that holds every other step would change at half the rate of the others, so
    Play skips the steps it lacks and every view moves on each tick. Step ▶| still goes
    through every recorded step.
    """
    steps = run.recorded_steps
    if held is None:
        return steps
    common = sorted(set(held) & set(steps))
    return common if len(common) >= MIN_PLAY_STEPS else steps


def bar(run: Run, step: int, run_id: str, held: list[int] | None = None) -> None:
    """The transport, at `step` of `run` (run_id names the run: a new one restarts play).

    held: the recorded steps every chart of the page has a frame for, when not all.
    """
    steps = run.recorded_steps
    data = {
        "steps": steps,
        "play": play_steps(run, held),
        "step": step,
        "run": run_id,
        "readout": readout(run),
    }
    _COMPONENT(
        key=KEY,
        data=data,
        on_step_change=lambda: _take_step(steps),
        height="content",
    )


def run_id(cfg: object) -> str:
    """A short name of the run of `cfg` on the data in use: when it changes, play restarts."""
    return hashlib.sha1(f"{cfg!r}|{data_key()}".encode()).hexdigest()[:12]


def controls(run: Run, cfg: object, held: list[int] | None = None) -> int:
    """The page's Step slider and its transport; the recorded step chosen."""
    step = step_picker(run)
    bar(run, step, run_id(cfg), held)
    return step


@st.cache_resource(max_entries=256, ttl=CACHE_TTL, show_spinner=False)
def _built(key: Hashable, _build: Callable[[], go.Figure]) -> go.Figure:
    return with_room(_build())


def over_steps(key: Hashable, build: Callable[[], go.Figure]) -> go.Figure:
    """The chart `build` makes (one frame per recorded step, drawn at the last), built once.

    Such a chart does not depend on the chosen step: the transport shows the step in the
    browser, so choosing another one rebuilds and resends nothing. `key` names the chart, the
    run (its Config) and every view setting; the figure is shared read-only.
    """
    return _built((key, data_key()), build)


def line_over_steps(key: Hashable, run: Run, build: Callable[[int], go.Figure]) -> go.Figure:
    """over_steps for a chart whose only step-dependent part is its step line: build(step)."""
    last = run.recorded_steps[-1]
    return over_steps(key, lambda: with_moving_line(build(last), run.recorded_steps, last))
