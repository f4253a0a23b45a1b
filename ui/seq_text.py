"""Sentences of the Gradients through time page, each computed from the numbers it shows."""

from __future__ import annotations

import math

import numpy as np

from engine.sequence import LengthSweep
from ui.vanishing_runs import sci

# Each kind as the subject of a sentence.
SUBJECTS = {"rnn": "the tanh RNN", "lstm": "the LSTM", "attention": "attention"}

# How the first input's share of the gradient, ||dL/dx_0|| / ||dL/dx_{T-1}||, is described.
VANISH_BELOW = 1e-3  # more than a thousand times weaker: "vanishes"
INTACT_ABOVE = 0.1  # within an order of magnitude: "arrives nearly intact"
STRONGER_ABOVE = 10.0  # more than ten times stronger at the first input than at the last


def subscript(n: int) -> str:
    """n in subscript digits, for x₀ … x₄₉ in the text."""
    return str(n).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def verdict(ratio: float) -> str:
    """What a first ÷ last ratio says about the gradient reaching the first input."""
    if not math.isfinite(ratio):
        return "cannot be measured"
    if ratio < VANISH_BELOW:
        return "vanishes"
    if ratio > STRONGER_ABOVE:
        return "is stronger at the first input than at the last"
    if ratio >= INTACT_ABOVE:
        return "arrives within an order of magnitude"
    return "arrives weakened"


def ratio_sentence(ratios: dict[str, float], length: int, when: str) -> str:
    """One clause per kind: its ratio and what it means, e.g. "in the tanh RNN it vanishes"."""
    clauses = [
        f"in {SUBJECTS[kind]} it **{verdict(r)}** (first ÷ last = {sci(r)})"
        for kind, r in ratios.items()
    ]
    listed = "; ".join(clauses[:-1]) + f"; and {clauses[-1]}" if len(clauses) > 1 else clauses[0]
    return f"{when}, going back over {length} time steps to the first input: {listed}."


def per_step_factor(ratio: float, length: int) -> float:
    """The factor per step back in time whose product over length - 1 steps gives `ratio`."""
    if length < 2 or not (math.isfinite(ratio) and ratio > 0):
        return math.nan
    return ratio ** (1.0 / (length - 1))


def solved_sentence(sweep: LengthSweep) -> str:
    """Which lengths each kind solved in the sweep, listed from its numbers."""
    parts = []
    for kind in sweep.share:
        solved = [str(t) for t, ok in zip(sweep.lengths, sweep.solved(kind), strict=True) if ok]
        who = SUBJECTS[kind]
        if not solved:
            parts.append(f"{who} solves none of them")
        elif len(solved) == len(sweep.lengths):
            parts.append(f"{who} solves all of them")
        else:
            parts.append(f"{who} solves T = {', '.join(solved)}")
    return f"Of the lengths {', '.join(map(str, sweep.lengths))}: " + "; ".join(parts) + "."


def attention_sentence(last_row: np.ndarray, needed: list[int]) -> str:
    """Where the last position looks: its weight on the positions the answer needs."""
    share = float(np.sum(last_row[needed]))
    uniform = len(needed) / len(last_row)
    where = (
        f"position {needed[0]}"
        if len(needed) == 1
        else "positions " + " and ".join(str(t) for t in needed)
    )
    return (
        f"The last position puts **{share:.0%}** of its attention on {where}, the input"
        f"{'s' if len(needed) > 1 else ''} the answer needs (spread evenly it would be "
        f"{uniform:.0%})."
    )


def memory_sentence(kept_first: float, mean_gate: float, length: int) -> str:
    """How much of the first step's cell the forget gates keep until the end."""
    return (
        f"On this sequence the forget gates average **{mean_gate:.2f}**; multiplied over "
        f"{length - 1} steps they keep **{sci(kept_first)}** of the cell's first value at the "
        "last step. Along the cell, that product is the whole way back for the gradient: no "
        "weight matrix and no tanh slope in between."
    )
