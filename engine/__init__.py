"""Backprop Lab's training engine: NumPy only, no Streamlit, no Plotly."""

from engine.analysis.worked_examples import EXAMPLES, worked_step
from engine.core.activations import ACTIVATIONS
from engine.core.gradcheck import gradcheck
from engine.core.initializers import INITS
from engine.core.losses import LOSSES, OUTPUTS
from engine.core.network import Network
from engine.core.optimizers import OPTIMIZERS, Optimizer, make_optimizer
from engine.training.config import LIMITS, Config
from engine.training.datasets import DATASETS, Dataset, TableError, dataset_from_table, make_dataset
from engine.training.loop import train
from engine.training.records import LAYER_METRICS, Run, StepRecord

__all__ = [
    "ACTIVATIONS",
    "DATASETS",
    "EXAMPLES",
    "INITS",
    "LAYER_METRICS",
    "LIMITS",
    "LOSSES",
    "OPTIMIZERS",
    "OUTPUTS",
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
