"""The Gradients through time page's settings: slider grids and their URL keys (no Streamlit)."""

from __future__ import annotations

from engine.sequence import LIMITS, TASKS
from engine.training.config import Field

SEQ_LR_GRID = (1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1)
FORGET_BIAS_GRID = (-2.0, -1.0, 0.0, 1.0, 2.0, 3.0)
LENGTH_RANGE = (int(LIMITS["length"][0]), int(LIMITS["length"][1]))
HIDDEN_RANGE = (2, int(LIMITS["hidden"][1]))
STEPS_RANGE = (10, int(LIMITS["steps"][1]))
BATCH = 32  # sequences per training step on this page

# Keys start with seq_ so they never collide with another page's.
SEQUENCE_PARAMS: dict[str, Field] = {
    "seq_task": Field(str, "copy_first", choices=TASKS, label="task"),
    "seq_len": Field(int, 30, *LENGTH_RANGE, label="sequence length"),
    "seq_hidden": Field(int, 16, *HIDDEN_RANGE, label="hidden units"),
    "seq_lr": Field(float, 0.01, choices=SEQ_LR_GRID, label="learning rate", log=True),
    "seq_steps": Field(int, 200, *STEPS_RANGE, label="training steps"),
    "seq_forget": Field(float, 1.0, choices=FORGET_BIAS_GRID, label="forget-gate bias"),
}
