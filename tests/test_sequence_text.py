"""The Gradients through time page's sentences say what their numbers say, for any numbers."""

from __future__ import annotations

import math
import re

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.sequence import KINDS, LengthSweep, SequenceConfig
from ui.seq_text import (
    INTACT_ABOVE,
    STRONGER_ABOVE,
    SUBJECTS,
    VANISH_BELOW,
    attention_sentence,
    memory_sentence,
    per_step_factor,
    ratio_sentence,
    solved_sentence,
    subscript,
    verdict,
)
from ui.vanishing_runs import sci

ratios = st.floats(min_value=1e-30, max_value=1e6, allow_nan=False)
lengths = st.integers(min_value=2, max_value=100)


def _clause(sentence: str, kind: str) -> str:
    """The part of a ratio sentence about one kind."""
    return next(c for c in sentence.split(";") if f"in {SUBJECTS[kind]} it" in c)


@settings(max_examples=150, deadline=None)
@given(st.tuples(ratios, ratios, ratios), lengths)
def test_ratio_sentence_says_vanishes_exactly_when_the_ratio_is_below_the_threshold(rs, length):
    values = dict(zip(KINDS, rs, strict=True))
    sentence = ratio_sentence(values, length, "At initialisation")
    assert f"over {length} time steps" in sentence
    for kind, r in values.items():
        clause = _clause(sentence, kind)
        assert ("**vanishes**" in clause) == (r < VANISH_BELOW)
        assert ("within an order of magnitude" in clause) == (INTACT_ABOVE <= r <= STRONGER_ABOVE)
        assert ("stronger at the first input" in clause) == (r > STRONGER_ABOVE)
        assert ("weakened" in clause) == (VANISH_BELOW <= r < INTACT_ABOVE)
        assert f"first ÷ last = {sci(r)})" in clause


def test_a_ratio_that_cannot_be_computed_is_said_so():
    assert verdict(math.nan) == "cannot be measured"
    assert "cannot be measured" in ratio_sentence({"rnn": math.nan}, 5, "After training")


@settings(max_examples=100, deadline=None)
@given(ratios, lengths)
def test_per_step_factor_compounds_back_to_the_ratio(r, length):
    factor = per_step_factor(r, length)
    assert math.isclose(factor ** (length - 1), r, rel_tol=1e-6)
    assert (factor < 1) == (r < 1)


def test_per_step_factor_needs_two_steps_and_a_positive_ratio():
    assert math.isnan(per_step_factor(0.5, 1))
    assert math.isnan(per_step_factor(0.0, 10))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(1e-4, 10.0), min_size=9, max_size=9))
def test_solved_sentence_lists_exactly_the_solved_lengths(shares):
    lengths_ = (5, 10, 20)
    share = {k: np.array(shares[3 * i : 3 * i + 3]) for i, k in enumerate(KINDS)}
    sweep = LengthSweep(lengths_, SequenceConfig(), share)
    sentence = solved_sentence(sweep)
    for kind in KINDS:
        part = next(p for p in sentence.split(";") if SUBJECTS[kind] in p)
        solved = [t for t, s in zip(lengths_, share[kind], strict=True) if s < 0.1]
        if not solved:
            assert "none of them" in part
        elif len(solved) == 3:
            assert "all of them" in part
        else:
            listed = [int(x) for x in re.findall(r"\d+", part.split("T =")[1])]
            assert listed == solved


@settings(max_examples=100, deadline=None)
@given(st.integers(2, 100), st.data())
def test_attention_sentence_reports_the_weight_on_the_needed_positions(T, data):
    row = np.array(data.draw(st.lists(st.floats(0.0, 1.0), min_size=T, max_size=T))) + 1e-9
    row /= row.sum()
    needed = sorted(data.draw(st.sets(st.integers(0, T - 1), min_size=1, max_size=2)))
    sentence = attention_sentence(row, needed)
    assert f"**{row[needed].sum():.0%}**" in sentence
    assert f"{len(needed) / T:.0%}" in sentence
    for t in needed:
        assert str(t) in sentence


def test_memory_sentence_and_subscripts():
    text = memory_sentence(0.021, 0.74, 20)
    assert "**0.74**" in text and "over 19 steps" in text and "**0.021**" in text
    assert subscript(49) == "₄₉" and subscript(0) == "₀"
