"""Sequences: a tanh RNN, an LSTM and self-attention, with backpropagation through time.

`model` holds SequenceModel, `layers` the forward/backward functions it is built from,
`tasks` the copy and adding problems, `training` the training loop and its records.
"""

from engine.sequence.model import KIND_LABELS, KINDS, SequenceModel, SequenceTrace, batch_norms
from engine.sequence.tasks import TASK_LABELS, TASKS, make_batch
from engine.sequence.training import (
    LIMITS,
    SOLVED_SHARE,
    LengthSweep,
    SequenceConfig,
    SequenceRun,
    compare_kinds,
    length_sweep,
    max_steps,
    train_sequence,
)

__all__ = [
    "KINDS",
    "KIND_LABELS",
    "LIMITS",
    "SOLVED_SHARE",
    "TASKS",
    "TASK_LABELS",
    "LengthSweep",
    "SequenceConfig",
    "SequenceModel",
    "SequenceRun",
    "SequenceTrace",
    "batch_norms",
    "compare_kinds",
    "length_sweep",
    "make_batch",
    "max_steps",
    "train_sequence",
]
