"""What a training run recorded, and its conversion to frames and files."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from engine.core.network import Network
from engine.core.params import FlatDict
from engine.training.config import Config
from engine.training.datasets import Dataset

if TYPE_CHECKING:
    import pandas as pd

# Per-layer scalars recorded every step (columns of Run.layer_scalars).
LAYER_METRICS = (
    "grad_norm",  # ||dL/dW||
    "weight_norm",  # ||W|| before the step's update
    "update_ratio",  # ||W update applied|| / ||W||
    "act_mean",  # mean of the layer's activations a over the batch
    "act_std",
    "saturated",  # |tanh| > 0.97, sigmoid outside [0.03, 0.97] (NaN for others)
    "dead",  # ReLU units that are 0 for the whole batch (NaN for others)
)


@dataclass
class LayerRecord:
    """Full tensors of one layer at one recorded step.

    Per-sample tensors are stored here; weights, gradients, updates and optimizer
    state are views into the step's flat buffers, so each value is stored once.
    """

    name: str  # h1..hL or out
    z: np.ndarray  # pre-activation h @ W + b, (rows, units); logits for "out"
    a: np.ndarray  # activation f(z) (or f(LayerNorm(z))); y_hat for the output layer
    delta: np.ndarray  # dL/dz
    params: FlatDict  # before the step's update
    grads: FlatDict
    updates: FlatDict | None  # what the optimizer subtracted (None: not kept)
    states: dict[str, FlatDict] = field(default_factory=dict)  # optimizer state after the step
    zn: np.ndarray | None = None  # LayerNorm output (layer_norm only)
    mask: np.ndarray | None = None  # dropout mask (dropout only)
    h_out: np.ndarray | None = None  # layer output when it differs from a (residual)

    @property
    def output(self) -> np.ndarray:
        """What the next layer sees: h' = h + a*mask (residual) or a*mask (no dropout: a)."""
        if self.h_out is not None:  # residual: recorded, since h is not
            return self.h_out
        return self.a if self.mask is None else self.a * self.mask

    @property
    def W(self) -> np.ndarray:
        """Weights used in this step's forward pass, (fan_in, fan_out)."""
        return self.params[f"{self.name}.W"]

    @property
    def b(self) -> np.ndarray:
        """Biases used in this step's forward pass."""
        return self.params[f"{self.name}.b"]

    @property
    def dW(self) -> np.ndarray:
        """dL/dW of this step."""
        return self.grads[f"{self.name}.W"]

    @property
    def db(self) -> np.ndarray:
        """dL/db of this step."""
        return self.grads[f"{self.name}.b"]

    @property
    def update_W(self) -> np.ndarray | None:
        """What the optimizer subtracted from W at this step."""
        return None if self.updates is None else self.updates[f"{self.name}.W"]

    @property
    def update_b(self) -> np.ndarray | None:
        """What the optimizer subtracted from b at this step."""
        return None if self.updates is None else self.updates[f"{self.name}.b"]

    @property
    def state(self) -> dict[str, np.ndarray]:
        """Optimizer state of W after this step, by name (velocity, m, v, ...)."""
        return {s: v[f"{self.name}.W"] for s, v in self.states.items()}


@dataclass
class StepRecord:
    """Everything the engine computed at one recorded step."""

    step: int
    batch_index: np.ndarray  # training-set rows of the first RECORD_ROWS samples of the batch
    x: np.ndarray  # those samples' inputs (per-sample tensors below hold the same rows)
    y: np.ndarray  # targets in output shape
    loss: float
    layers: dict[str, LayerRecord]  # h1..hL, out
    params: FlatDict  # before the update
    grads: FlatDict
    update: np.ndarray | None  # flat vector subtracted from params (None for huge networks)
    state: dict[str, np.ndarray]  # flat optimizer state after the update

    @property
    def y_hat(self) -> np.ndarray:
        """Network output for the batch."""
        return self.layers["out"].a

    def nbytes(self) -> int:
        """Memory held by this record's arrays."""
        total = self.x.nbytes + self.y.nbytes + self.batch_index.nbytes
        total += self.params.flat.nbytes + self.grads.flat.nbytes
        total += self.update.nbytes if self.update is not None else 0
        total += sum(s.nbytes for s in self.state.values())
        for rec in self.layers.values():
            for arr in (rec.z, rec.a, rec.delta, rec.zn, rec.mask, rec.h_out):
                if arr is not None:
                    total += arr.nbytes
        return total


@dataclass
class Run:
    """A finished (or diverged) training run: every step's scalars and the recorded tensors."""

    config: Config
    data: Dataset
    layer_names: list[str]
    sizes: list[int]
    steps_run: int
    loss: np.ndarray  # batch loss per step
    layer_scalars: np.ndarray  # (steps, layers, metrics), see LAYER_METRICS
    eval_steps: np.ndarray
    train_loss: np.ndarray  # full training set, at eval_steps
    test_loss: np.ndarray
    train_acc: np.ndarray  # NaN for regression
    test_acc: np.ndarray
    records: dict[int, StepRecord]
    stride: int
    final_params: FlatDict  # after the last update
    diverged_at: int | None = None
    state_names: tuple[str, ...] = ()

    @property
    def recorded_steps(self) -> list[int]:
        """Steps with full tensors, in order."""
        return sorted(self.records)

    @property
    def diverged(self) -> bool:
        """Whether the loss became NaN or infinite."""
        return self.diverged_at is not None

    def record_at(self, step: int) -> StepRecord:
        """The recorded step closest to `step` (at or before it where possible)."""
        steps = self.recorded_steps
        earlier = [s for s in steps if s <= step]
        return self.records[earlier[-1] if earlier else steps[0]]

    def network(self, params: FlatDict | None = None) -> Network:
        """A network of this run's architecture holding `params` (default: final)."""
        net = self.config.network(self.sizes[-1])
        np.copyto(net.params.flat, (self.final_params if params is None else params).flat)
        return net

    def predict(self, X: np.ndarray, step: int | None = None) -> np.ndarray:
        """Outputs for X with the weights of a recorded step (default: after training)."""
        params = None if step is None else self.record_at(step).params
        # A diverged run's last weights overflow to inf or NaN outputs, without warnings.
        with np.errstate(over="ignore", invalid="ignore"):
            return self.network(params).predict(X)

    def metric(self, name: str) -> np.ndarray:
        """One per-layer metric as a (steps, layers) array."""
        return self.layer_scalars[:, :, LAYER_METRICS.index(name)]

    def scalars_frame(self) -> pd.DataFrame:
        """Every step's scalars as a tidy frame: step, layer, metric, value."""
        import pandas as pd  # on demand: training itself needs only numpy

        steps = np.arange(self.steps_run)
        parts = [
            pd.DataFrame({"step": steps, "layer": "all", "metric": "loss", "value": self.loss})
        ]
        for name, values in (
            ("train_loss", self.train_loss),
            ("test_loss", self.test_loss),
            ("train_accuracy", self.train_acc),
            ("test_accuracy", self.test_acc),
        ):
            parts.append(
                pd.DataFrame(
                    {"step": self.eval_steps, "layer": "all", "metric": name, "value": values}
                )
            )
        n_steps, n_layers, n_metrics = self.layer_scalars.shape
        parts.append(
            pd.DataFrame(
                {
                    "step": np.repeat(steps, n_layers * n_metrics),
                    "layer": np.tile(np.repeat(self.layer_names, n_metrics), n_steps),
                    "metric": np.tile(LAYER_METRICS, n_steps * n_layers),
                    "value": self.layer_scalars.reshape(-1),
                }
            )
        )
        frame = pd.concat(parts, ignore_index=True)
        return frame[np.isfinite(frame["value"]) | (frame["metric"] == "loss")].reset_index(
            drop=True
        )

    def scalars_csv(self) -> bytes:
        """The tidy scalars frame as CSV bytes."""
        return self.scalars_frame().to_csv(index=False).encode()

    def tensors_npz(self) -> bytes:
        """Every recorded tensor as a compressed .npz file (keys like step12/h1/dW)."""
        arrays: dict[str, np.ndarray] = {}
        for step, rec in self.records.items():
            arrays[f"step{step}/x"] = rec.x
            arrays[f"step{step}/y"] = rec.y
            for layer, lr in rec.layers.items():
                for name in (
                    "z",
                    "a",
                    "delta",
                    "dW",
                    "db",
                    "W",
                    "b",
                    "update_W",
                    "update_b",
                    "zn",
                    "mask",
                ):
                    value = getattr(lr, name)
                    if value is not None:
                        arrays[f"step{step}/{layer}/{name}"] = value
                for s, value in lr.state.items():
                    arrays[f"step{step}/{layer}/state_{s}"] = value
        buf = io.BytesIO()
        np.savez_compressed(buf, allow_pickle=False, **arrays)
        return buf.getvalue()

    def records_nbytes(self) -> int:
        """Memory held by all recorded tensors."""
        return sum(r.nbytes() for r in self.records.values())
