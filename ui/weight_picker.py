"""The weight (layer, from-unit i, to-unit j) and the sample the lesson follows, as widgets.

The Backward pass and the Update pages draw the same picker with the same keys, so a
weight chosen on one page is the weight the other opens on, and the link carries it.
"""

from __future__ import annotations

import streamlit as st

from engine import Run, StepRecord
from ui import lesson
from ui.lesson import I_KEY, J_KEY, LAYER_KEY, SAMPLE_KEY


def _index_in(top: int):
    return lambda v: isinstance(v, int) and 0 <= v <= top


def pick_sample_slider(rows: int, label: str = "Sample of the batch") -> int:
    """The lesson's sample as a slider over the recorded rows of the batch."""
    lesson.carry(SAMPLE_KEY, _index_in(rows - 1), 0)
    # A batch of one sample has nothing to choose (and a slider needs min < max).
    slider = st.slider(label, 0, rows - 1, key=SAMPLE_KEY) if rows > 1 else 0
    n = int(slider)
    lesson.keep(SAMPLE_KEY, n, 0)
    return n


def pick_weight(run: Run, record: StepRecord) -> tuple[str, int, int, int]:
    """Layer, from-unit i, to-unit j of one weight, and a sample of the batch, in four columns."""
    names = run.layer_names
    lesson.carry(LAYER_KEY, lambda v: v in names, names[0])
    cols = st.columns(4)
    layer = cols[0].selectbox("Layer", names, key=LAYER_KEY)
    fan_in, fan_out = record.layers[layer].W.shape
    rows = record.x.shape[0]
    # A layer with fewer units (or a smaller batch) than the last choice: start again at 0.
    for key, top in ((I_KEY, fan_in - 1), (J_KEY, fan_out - 1), (SAMPLE_KEY, rows - 1)):
        lesson.carry(key, _index_in(top), 0)
    i = cols[1].number_input(f"From unit i (0–{fan_in - 1})", 0, fan_in - 1, key=I_KEY)
    j = cols[2].number_input(f"To unit j (0–{fan_out - 1})", 0, fan_out - 1, key=J_KEY)
    n = cols[3].number_input(f"Sample n (0–{rows - 1})", 0, rows - 1, key=SAMPLE_KEY)
    lesson.keep(LAYER_KEY, layer, names[0])
    for key, value in ((I_KEY, int(i)), (J_KEY, int(j)), (SAMPLE_KEY, int(n))):
        lesson.keep(key, value, 0)
    return str(layer), int(i), int(j), int(n)
