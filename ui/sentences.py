"""Sentences the pages generate from their numbers: small pure functions, each checked by a test.

Every claim a sentence makes (shrinks or grows, higher or lower, similar or spread) is
decided here from the values it is given, never written by hand beside them.
"""

from __future__ import annotations

import math

from engine.analysis.health import Health
from ui.vanishing_runs import sci

# Update ratios of one optimizer across layers within this factor count as "about the same".
SIMILAR_SPREAD = 10.0


def plural(n: int, word: str) -> str:
    """'1 unit', '2 units'."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def trend(ratio: float) -> str:
    """How a gradient changes on its way back to the input, given first ÷ last layer."""
    if not math.isfinite(ratio) or ratio <= 0:
        return "cannot be compared here (a layer got no gradient)"
    if ratio < 1:
        return f"shrinks on its way back to the input (×{sci(ratio)})"
    if ratio > 1:
        return f"grows on its way back to the input (×{sci(ratio)})"
    return "keeps its size on its way back to the input"


def chain_sentence(depth: int, ratio: float, factor: float) -> str:
    """How the per-layer factors of the plain network compound, in words and numbers."""
    if depth < 2:
        return (
            "With one hidden layer there is no chain of hidden layers yet: the first is the "
            "last. Raise **Hidden layers** to see the factors compound."
        )
    links = depth - 1
    what = (
        "Between the two hidden layers there is one such factor"
        if links == 1
        else f"From the last hidden layer back to the first, {links} such factors multiply"
    )
    if not math.isfinite(factor) or factor <= 0:
        return f"{what}. Here a layer got no gradient, so the ratio is not defined."
    if factor < 1:
        verdict = "below 1, so the gradient vanishes toward the input"
    elif factor > 1:
        verdict = "above 1, so the gradient grows toward the input (it explodes when large)"
    else:
        verdict = "exactly 1, so the gradient keeps its size"
    return (
        f"{what}. In the plain network here the first layer's gradient is **{sci(ratio)} "
        f"times** the last hidden layer's: on average **{sci(factor)}** per layer, {verdict}."
    )


def layernorm_slope_sentence(plain_slope: float, layernorm_slope: float) -> str:
    """What LayerNorm did to the activation's mean slope |f'(z)| here, from the two means."""
    if not (math.isfinite(plain_slope) and math.isfinite(layernorm_slope)):
        return "The mean slope |f'(z)| is not defined here."
    if layernorm_slope > plain_slope:
        effect = "raises it: z lands more often where the activation is steep"
    elif layernorm_slope < plain_slope:
        effect = (
            "lowers it: with unit-size z, more units sit on the activation's flatter "
            "parts than the small z of the plain network did"
        )
    else:
        effect = "leaves it unchanged"
    return (
        f"Mean |f'(z)| at step 0 is {sci(plain_slope)} in the plain network and "
        f"{sci(layernorm_slope)} with LayerNorm: here LayerNorm {effect}."
    )


def residual_sentence(depth: int, inputs: int, width: int) -> str:
    """Which layers of this network have a shortcut (a residual path needs equal sizes)."""
    if depth < 2:
        return (
            f"With one hidden layer there is no residual path here: that layer maps "
            f"{plural(inputs, 'input')} to {plural(width, 'unit')}, and a shortcut h + f(z) "
            "needs the same size in and out."
        )
    return (
        f"The first layer maps {plural(inputs, 'input')} to {plural(width, 'unit')}, so it "
        f"has no shortcut; the other {plural(depth - 1, 'hidden layer')} do."
    )


def metric_delta(change: float, percent: bool) -> str | None:
    """A tile's change since step 0 as text, or None when it rounds to zero (no arrow)."""
    if not math.isfinite(change):
        return None
    text = f"{change:+.1%}" if percent else f"{change:+.3g}"
    digits = text.strip("+-%").replace(".", "").replace("0", "")
    return text if digits and digits != "e" else None


def update_spread_sentence(label: str, ratios: list[float]) -> str:
    """How evenly an adaptive optimizer moves the layers, from its median update ratios."""
    finite = [r for r in ratios if math.isfinite(r) and r > 0]
    if len(finite) < 2:
        return f"{label} has only one layer with a finite update ratio here."
    lo, hi = min(finite), max(finite)
    spread = hi / lo
    if spread < SIMILAR_SPREAD:
        return (
            f"{label}'s layers move by similar amounts here (update ratios {sci(lo)} to "
            f"{sci(hi)}): dividing by the gradient's running size evens them out."
        )
    return (
        f"{label}'s update ratios still span {sci(lo)} to {sci(hi)} (a factor of "
        f"{sci(spread)}): where a layer's gradient is tiny, the ε in the denominator "
        "dominates and the division no longer evens the steps out."
    )


def diagram_caption(edges: bool) -> str:
    """The caption under the network diagram: edges when it draws them, blocks when not."""
    if edges:
        return (
            "Blue edges are positive weights, red negative; thicker means larger |w|. Move "
            "the **Step** slider to see the update change them."
        )
    return (
        "Too many units to draw every weight: one block per layer, its height growing with "
        "the layer's width. Hover a block for its size and ‖W‖ at this step."
    )


def health_message(health: Health, depth: int, activation: str) -> str:
    """What went wrong with a run that has no NaN, its likely cause and what to try."""
    moved = f"the training loss went from {health.start:.3g} to {health.end:.3g}"
    if health.kind == "blowup":
        return (
            f"**The loss blew up:** {moved}, more than its starting value. The steps "
            "overshoot the valley: the **Learning rate** is too high."
        )
    if health.kind != "stall":
        return ""
    chance = (
        f" (guessing gives {health.chance:.3g})"
        if health.chance is not None and math.isfinite(health.chance)
        else ""
    )
    head = f"**Training stalled:** {moved}{chance}."
    if health.cause == "vanishing":
        return (
            f"{head} With {plural(depth, 'hidden layer')} of {activation} and no residual "
            "connections or LayerNorm, the gradient vanishes before it reaches the first "
            "layers, so they barely learn: see **Vanishing gradients**."
        )
    if health.cause == "rising":
        return (
            f"{head} The loss ended above where it started: the steps overshoot the valley. "
            "Lower the **Learning rate**."
        )
    if health.cause == "dead":
        share = health.dead_share if health.dead_share is not None else math.nan
        return (
            f"{head} {share:.0%} of the ReLU units output 0 for every sample: dead units pass "
            "no gradient back. Try a smaller **Learning rate**, another **Init**, or leaky_relu."
        )
    return f"{head} The steps may be too small: try a higher **Learning rate** or more **Steps**."
