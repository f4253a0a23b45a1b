"""Published worked examples of one backprop step, built on the engine."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.core.network import Network, Trace
from engine.core.optimizers import make_optimizer
from engine.core.params import FlatDict


@dataclass
class WorkedStep:
    """Every number of one training step of a worked example."""

    name: str
    title: str
    source: str
    net: Network
    x: np.ndarray  # (1, n_in)
    y: np.ndarray  # (1, n_out)
    loss_name: str
    loss_formula: str
    lr: float
    frozen: tuple[str, ...]  # parameters the example does not update
    before: FlatDict
    trace: Trace
    grads: FlatDict
    after: FlatDict
    after_trace: Trace  # the same sample through the updated weights

    @property
    def loss_after(self) -> float:
        """The loss on the sample after the update."""
        return self.after_trace.loss

    @property
    def y_hat_after(self) -> np.ndarray:
        """The prediction after the update, (1, n_out)."""
        return self.after_trace.y_hat


@dataclass(frozen=True)
class Example:
    """Set-up of a worked example: architecture, weights, one sample, loss and learning rate."""

    name: str
    title: str
    source: str
    sizes: tuple[int, ...]
    output: str
    loss: str
    loss_formula: str
    lr: float
    x: tuple[float, ...]
    y: tuple[float, ...]
    frozen: tuple[str, ...]

    def network(self) -> Network:
        """The network with the example's published starting weights."""
        net = Network(list(self.sizes), "sigmoid", self.output, init="standard", dtype=np.float64)
        for name, value in _WEIGHTS[self.name]().items():
            net.params[name] = value
        return net

    def step(self) -> WorkedStep:
        """Run one forward pass, backward pass and update, keeping every number."""
        net = self.network()
        x = np.array([self.x])
        y = np.array([self.y])
        before = net.params.copy()
        trace = net.train_step_trace(x, y, self.loss)
        grads = trace.grads.copy()
        applied = grads.copy()
        for name in self.frozen:
            applied[name] = np.zeros_like(applied[name])
        make_optimizer("sgd", lr=self.lr).step(net.params, applied)
        after_trace = net.forward(x)
        net.backward(after_trace, y, self.loss)
        return WorkedStep(
            name=self.name,
            title=self.title,
            source=self.source,
            net=net,
            x=x,
            y=net.targets(y),
            loss_name=self.loss,
            loss_formula=self.loss_formula,
            lr=self.lr,
            frozen=self.frozen,
            before=before,
            trace=trace,
            grads=grads,
            after=net.params.copy(),
            after_trace=after_trace,
        )


def _mazur_weights() -> dict[str, np.ndarray]:
    # h1 = s(w1 i1 + w2 i2 + b1), h2 = s(w3 i1 + w4 i2 + b1): column j of h1.W feeds unit j.
    return {
        "h1.W": np.array([[0.15, 0.25], [0.20, 0.30]]),
        "h1.b": np.array([0.35, 0.35]),
        "out.W": np.array([[0.40, 0.50], [0.45, 0.55]]),
        "out.b": np.array([0.60, 0.60]),
    }


def _koech_weights() -> dict[str, np.ndarray]:
    # The article draws W1 (4, 3) and W2 (1, 4) as (units, inputs); the engine's W is
    # (inputs, units), so h1.W = W1.T. The legacy global generator reproduces its numbers.
    np_state = np.random.get_state()
    try:
        np.random.seed(3)
        w1 = np.random.randn(4, 3) * 0.1
        w2 = np.random.randn(1, 4) * 0.1
    finally:
        np.random.set_state(np_state)
    return {"h1.W": w1.T, "h1.b": np.zeros(4), "out.W": w2.T, "out.b": np.zeros(1)}


_WEIGHTS = {"mazur": _mazur_weights, "koech": _koech_weights}

EXAMPLES: dict[str, Example] = {
    "mazur": Example(
        name="mazur",
        title="Mazur's 2-2-2 network",
        source='Matt Mazur, "A Step by Step Backpropagation Example" (2015)',
        sizes=(2, 2, 2),
        output="sigmoid",
        loss="mse",
        # For two outputs and one sample, the sum of half squared errors is the MSE.
        loss_formula=r"E = \sum_k \tfrac12 (t_k - o_k)^2",
        lr=0.5,
        x=(0.05, 0.10),
        y=(0.01, 0.99),
        frozen=("h1.b", "out.b"),
    ),
    "koech": Example(
        name="koech",
        title="Koech's 3-4-1 network",
        source='Kiprono Elijah Koech, "How Does Back-Propagation Work in Neural Networks?" (2021)',
        sizes=(3, 4, 1),
        output="sigmoid",
        loss="bce",
        loss_formula=r"E = -\left(t \log \hat y + (1 - t) \log (1 - \hat y)\right)",
        lr=0.1,
        x=(7.0, 8.0, 10.0),
        y=(1.0,),
        frozen=(),
    ),
}


def worked_step(name: str) -> WorkedStep:
    """One full step of the named worked example ("mazur" or "koech")."""
    return EXAMPLES[name].step()
