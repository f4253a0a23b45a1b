"""Optimizers with the update rules and defaults of torch.optim.

Each works on the whole flat parameter vector at once when given FlatDicts, so a
step costs a handful of array operations whatever the depth. Its state (velocity,
m, v) stays inspectable per parameter through `state`.
"""

from __future__ import annotations

import math

import numpy as np

from engine.core.params import FlatDict

OPTIMIZERS = ("sgd", "momentum", "nesterov", "rmsprop", "adam", "adamw")

DEFAULT_LR = {
    "sgd": 1e-3,
    "momentum": 1e-3,
    "nesterov": 1e-3,
    "rmsprop": 1e-2,
    "adam": 1e-3,
    "adamw": 1e-3,
}

# Which state vectors each optimizer keeps, named as the app shows them.
STATE_NAMES = {
    "sgd": (),
    "momentum": ("velocity",),
    "nesterov": ("velocity",),
    "rmsprop": ("square_avg",),
    "adam": ("m", "v"),
    "adamw": ("m", "v"),
}


class Optimizer:
    """One optimizer's hyperparameters and state; `step` updates params in place."""

    def __init__(
        self,
        name: str,
        lr: float,
        momentum: float = 0.0,
        nesterov: bool = False,
        alpha: float = 0.99,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        if not np.isfinite(lr) or lr <= 0:
            raise ValueError(f"learning rate must be a positive number, got {lr}")
        if nesterov and momentum <= 0:
            raise ValueError("Nesterov momentum requires a momentum > 0")
        self.name = name
        self.lr = float(lr)
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)
        self.alpha = float(alpha)
        self.betas = (float(betas[0]), float(betas[1]))
        self.eps = float(eps)
        self.weight_decay = float(weight_decay)
        self.t = 0  # steps taken
        self.flat_state: dict[str, np.ndarray] = {}
        self.state: dict[str, dict[str, np.ndarray]] = {}  # per parameter: views of flat_state
        self.last_update: np.ndarray | None = None  # flat vector subtracted from params

    @property
    def kind(self) -> str:
        """The update rule: sgd, rmsprop, adam or adamw."""
        return {"momentum": "sgd", "nesterov": "sgd"}.get(self.name, self.name)

    @property
    def state_names(self) -> tuple[str, ...]:
        """Names of the state vectors this optimizer keeps (velocity, square_avg, m, v)."""
        if self.kind == "sgd":
            return ("velocity",) if self.momentum > 0 else ()
        return STATE_NAMES[self.name]

    def _init_state(self, params: FlatDict) -> None:
        names = self.state_names
        for s in names:
            self.flat_state[s] = np.zeros_like(params.flat)
        self.state = {
            key: {
                s: self.flat_state[s][start : start + view.size].reshape(view.shape) for s in names
            }
            for key, view, start in zip(params, params.values(), params.offsets, strict=True)
        }

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """Apply one update to params, in place, from grads with the same keys."""
        if isinstance(params, FlatDict) and isinstance(grads, FlatDict):
            self._step_flat(params, grads.flat)
            return
        # Any other dict of arrays: pack into a FlatDict, update, write back.
        packed = FlatDict.allocate(
            {k: np.shape(v) for k, v in params.items()}, np.result_type(*params.values())
        )
        for k, v in params.items():
            packed[k] = v
        flat_g = np.concatenate([np.ravel(grads[k]) for k in params]).astype(packed.flat.dtype)
        if not self.state or set(self.state) != set(params):
            # Different parameters: a fresh start, so Adam's bias correction restarts too.
            self.flat_state = {}
            self.t = 0
            self._init_state(packed)
        self._step_flat(packed, flat_g)
        for k in params:
            params[k][...] = packed[k]

    def _step_flat(self, params: FlatDict, g: np.ndarray) -> None:
        p = params.flat
        if not self.flat_state and not self.state:
            self._init_state(params)
        self.t += 1
        lr = self.lr
        if self.weight_decay and self.kind != "adamw":
            g = g + self.weight_decay * p  # L2 penalty, as torch's weight_decay
        if self.kind == "sgd":
            if self.momentum > 0:
                buf = self.flat_state["velocity"]
                if self.t == 1:
                    buf[...] = g
                else:
                    buf *= self.momentum
                    buf += g
                g = g + self.momentum * buf if self.nesterov else buf
            upd = lr * g
        elif self.kind == "rmsprop":
            sq = self.flat_state["square_avg"]  # state is updated in place: views point into it
            sq *= self.alpha
            sq += (1.0 - self.alpha) * g * g
            upd = lr * g / (np.sqrt(sq) + self.eps)
        elif self.kind in ("adam", "adamw"):
            # torch's order of operations, so the numbers match torch.optim.Adam.
            b1, b2 = self.betas
            m, v = self.flat_state["m"], self.flat_state["v"]
            m *= b1
            m += (1.0 - b1) * g
            v *= b2
            v += (1.0 - b2) * g * g
            denom = np.sqrt(v) / math.sqrt(1.0 - b2**self.t) + self.eps
            upd = (lr / (1.0 - b1**self.t)) * m / denom
            if self.kind == "adamw" and self.weight_decay:
                # Decoupled decay: p <- p * (1 - lr*wd), then the Adam step.
                upd += (lr * self.weight_decay) * p
        else:
            raise ValueError(f"unknown optimizer {self.name!r}; choose one of {OPTIMIZERS}")
        p -= upd
        self.last_update = upd


def make_optimizer(
    name: str, lr: float | None = None, weight_decay: float | None = None, **kw
) -> Optimizer:
    """An optimizer by name, with torch.optim's defaults for anything not given."""
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {OPTIMIZERS}")
    lr = DEFAULT_LR[name] if lr is None else lr
    if name == "momentum":
        kw.setdefault("momentum", 0.9)
    if name == "nesterov":
        kw.setdefault("momentum", 0.9)
        kw["nesterov"] = True
    if weight_decay is None:
        weight_decay = 0.01 if name == "adamw" else 0.0
    return Optimizer(name, lr, weight_decay=weight_decay, **kw)
