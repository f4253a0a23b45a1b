"""Generated sentences say what their numbers say, over grids of values (property-style)."""

import math

import numpy as np
import pytest

from engine.analysis.health import Health
from ui.sentences import (
    SIMILAR_SPREAD,
    chain_sentence,
    diagram_caption,
    health_message,
    layernorm_slope_sentence,
    metric_delta,
    plural,
    residual_sentence,
    trend,
    update_spread_sentence,
)

RATIOS = [0.0, 1e-12, 3e-4, 0.5, 0.999, 1.0, 1.001, 2.0, 10.0, 120.0, 1e9, math.inf, math.nan]
DEPTHS = [1, 2, 3, 8, 20, 64]


@pytest.mark.parametrize("ratio", RATIOS)
def test_trend_says_shrinks_iff_below_one_and_grows_iff_above(ratio: float) -> None:
    text = trend(ratio)
    ok = math.isfinite(ratio) and ratio > 0
    assert ("shrinks" in text) == (ok and ratio < 1)
    assert ("grows" in text) == (ok and ratio > 1)


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("factor", [1e-3, 0.25, 0.9, 1.0, 1.1, 4.0, math.nan])
def test_chain_sentence_counts_layers_and_names_the_direction(depth: int, factor: float) -> None:
    text = chain_sentence(depth, factor ** max(depth - 1, 1), factor)
    if depth == 1:
        assert "no chain" in text and "multiply" not in text
        return
    assert ("one such factor" in text) == (depth == 2)
    if depth > 2:
        assert f"{depth - 1} such factors multiply" in text
    assert "1 layer" not in text  # never "Over 1 layer ... multiply"
    finite = math.isfinite(factor)
    assert ("vanishes" in text) == (finite and factor < 1)
    assert ("grows" in text) == (finite and factor > 1)


@pytest.mark.parametrize("plain", [0.05, 0.58, 0.93, 1.0])
@pytest.mark.parametrize("layernorm", [0.05, 0.58, 0.93, 1.0])
def test_layernorm_sentence_raises_iff_its_slope_is_larger(plain: float, layernorm: float) -> None:
    text = layernorm_slope_sentence(plain, layernorm)
    assert ("raises" in text) == (layernorm > plain)
    assert ("lowers" in text) == (layernorm < plain)
    assert "steep" not in text or layernorm > plain


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("width", [1, 2, 256])
def test_residual_sentence_counts_shortcuts(depth: int, width: int) -> None:
    text = residual_sentence(depth, 2, width)
    assert "1 units" not in text and "1 inputs" not in text
    assert (f"{plural(width, 'unit')}") in text
    assert ("no residual path" in text) == (depth == 1)
    if depth > 1:
        assert f"other {plural(depth - 1, 'hidden layer')} do" in text


@pytest.mark.parametrize("change", [0.0, 1e-6, -1e-6, 4e-4, 5e-4, 0.02, -0.3, math.nan])
@pytest.mark.parametrize("percent", [True, False])
def test_metric_delta_has_no_arrow_for_a_change_that_rounds_to_zero(
    change: float, percent: bool
) -> None:
    text = metric_delta(change, percent)
    shown = (
        round(change * 100, 1)
        if percent
        else float(f"{change:.3g}")
        if math.isfinite(change)
        else 0
    )
    if not math.isfinite(change) or shown == 0:
        assert text is None
    else:
        assert text is not None and text[0] == ("+" if change > 0 else "-")


@pytest.mark.parametrize("spread", [1.0, 2.0, 9.9, 10.1, 1e3, 5e7])
def test_update_spread_says_similar_iff_within_the_factor(spread: float) -> None:
    ratios = list(np.geomspace(1e-4, 1e-4 * spread, 5))
    text = update_spread_sentence("Adam", ratios)
    assert ("similar" in text) == (spread < SIMILAR_SPREAD)
    assert ("still span" in text) == (spread >= SIMILAR_SPREAD)


def test_diagram_caption_names_edges_only_when_drawn() -> None:
    assert "edges" in diagram_caption(True)
    assert "edges" not in diagram_caption(False) and "block" in diagram_caption(False)


@pytest.mark.parametrize(
    ("kind", "cause", "expect"),
    [
        ("blowup", "lr", "Learning rate"),
        ("stall", "vanishing", "Vanishing gradients"),
        ("stall", "dead", "output 0"),
        ("stall", "slow", "higher **Learning rate**"),
        ("stall", "rising", "Lower the **Learning rate**"),
        ("ok", None, ""),
    ],
)
def test_health_message_names_the_cause_and_the_numbers(kind, cause, expect) -> None:
    health = Health(kind, cause, 0.69, 187.0 if kind == "blowup" else 0.69, math.log(2), 0.7)
    text = health_message(health, 20, "sigmoid")
    if kind == "ok":
        assert text == ""
        return
    assert expect in text and "0.69" in text
    assert ("blew up" in text) == (kind == "blowup")
