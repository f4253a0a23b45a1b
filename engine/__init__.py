"""Backprop Lab's training engine: NumPy only, no Streamlit, no Plotly."""

from engine.activations import ACTIVATIONS
from engine.allocator import keep_freed_memory
from engine.config import LR_GRID, SPEC, Config
from engine.datasets import DATASETS, Dataset, TableError, dataset_from_table, make_dataset
from engine.gradcheck import gradcheck
from engine.initializers import INITS
from engine.losses import LOSSES, OUTPUTS
from engine.network import Network
from engine.optimizers import OPTIMIZERS, Optimizer, make_optimizer
from engine.presets import EXAMPLES, worked_step
from engine.records import LAYER_METRICS, Run, StepRecord
from engine.training import train

__all__ = [
    "ACTIVATIONS",
    "DATASETS",
    "EXAMPLES",
    "INITS",
    "LAYER_METRICS",
    "LOSSES",
    "LR_GRID",
    "OPTIMIZERS",
    "OUTPUTS",
    "SPEC",
    "Config",
    "Dataset",
    "Network",
    "Optimizer",
    "Run",
    "StepRecord",
    "TableError",
    "dataset_from_table",
    "gradcheck",
    "make_dataset",
    "make_optimizer",
    "train",
    "worked_step",
]

keep_freed_memory()
