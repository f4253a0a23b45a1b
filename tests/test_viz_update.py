"""The Update page's sentences say what the numbers say, over many real steps."""

from __future__ import annotations

import itertools
import re
from dataclasses import replace

import pytest

from engine import Config, train
from engine.analysis.update_rule import step_effect, update_ratios, update_terms
from viz.backward import tex_num
from viz.mathml import mathml
from viz.update import RATIO_HIGH, RATIO_LOW, loss_change_sentence, ratio_sentence, update_lines

CONFIGS = [
    Config(optimizer=o, lr=lr, steps=8, samples=60, batch_size=b)
    for o, lr, b in itertools.product(("sgd", "adam", "momentum"), (0.01, 3.0), (8, 32))
]


def test_the_loss_sentence_follows_the_sign_of_the_change_on_real_steps():
    seen = set()
    for cfg in CONFIGS:
        run = train(cfg)
        for step in run.recorded_steps[:-1]:
            if step == run.diverged_at:
                continue
            e = step_effect(run, step)
            text = loss_change_sentence(e.loss_before, e.loss_after, step)
            helped = text.startswith("This step helped")
            assert helped == (e.loss_after < e.loss_before), (cfg, step, text)
            assert text.startswith("This step did not help") == (e.loss_after > e.loss_before)
            amount = float(re.search(r"by ([-\d.e+]+)", text).group(1))
            assert amount == pytest.approx(abs(e.change), rel=1e-2)
            seen.add(helped)
    assert seen == {True, False}  # both claims were checked


def test_loss_sentence_edge_cases():
    assert "unchanged" in loss_change_sentence(0.5, 0.5, 3)
    assert "not a finite number" in loss_change_sentence(0.5, float("nan"), 3)


@pytest.mark.parametrize(
    ("ratio", "words"),
    [
        (RATIO_LOW / 2, "barely moves"),
        (RATIO_LOW * 2, "within a factor of ten"),
        (1e-3, "within a factor of ten"),
        (RATIO_HIGH / 2, "within a factor of ten"),
        (RATIO_HIGH * 2, "unstable"),
        (float("inf"), "overflowed"),
    ],
)
def test_ratio_sentence_thresholds(ratio, words):
    assert words in ratio_sentence("h1", ratio)


def test_ratio_sentences_of_real_layers_match_their_ratio():
    for cfg in CONFIGS[:4]:
        run = train(cfg)
        for layer, ratio in update_ratios(run, 2).items():
            text = ratio_sentence(layer, ratio)
            assert f"{ratio:.3g}" in text
            assert ("barely moves" in text) == (ratio < RATIO_LOW)
            assert ("unstable" in text) == (ratio > RATIO_HIGH)


def test_update_lines_end_at_w_after_and_name_the_rule():
    run = train(Config(optimizer="nesterov", steps=5, samples=60))
    t = update_terms(run, 3, "h1", 1, 0)
    lines = update_lines(t)
    assert "Nesterov" in " ".join(text for text, _ in lines)
    last = lines[-1][1]
    assert last.startswith("\\begin{aligned} w^{+} &= w - \\Delta w \\\\ &= ")
    assert last.endswith(f"\\\\ &= {tex_num(t.w_after, 6)} \\end{{aligned}}")
    assert lines[0][1] == f"w = {tex_num(t.w_before, 6)}"


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov", "rmsprop", "adam", "adamw"])
def test_negative_factors_are_parenthesised(optimizer):
    run = train(Config(optimizer=optimizer, weight_decay=0.01, steps=6, samples=60))
    for layer, i, j in (("h1", 0, 0), ("h1", 1, 3), ("h2", 2, 5), ("out", 4, 0)):
        for _, tex in update_lines(update_terms(run, 4, layer, i, j)):
            assert r"\cdot -" not in tex and "- -" not in tex and "+ -" not in tex, tex
            assert tex.isprintable(), tex


@pytest.mark.parametrize("optimizer", ["rmsprop", "adam"])
@pytest.mark.parametrize(
    ("g", "squared"),
    [
        (5.43219e-5, r"(5.43219 \times 10^{-5})^2"),
        (-5.43219e-5, r"(-5.43219 \times 10^{-5})^2"),
        (0.25, "0.25^2"),
    ],
)
def test_a_squared_gradient_is_squared_whole(optimizer, g, squared):
    # 5.43219 \times 10^{-5}^2 was no formula: KaTeX drew an error in its place.
    run = train(Config(optimizer=optimizer, steps=6, samples=60))
    t = replace(update_terms(run, 4, "h1", 0, 0), g=g)
    texs = [tex for _, tex in update_lines(t)]
    assert any(squared in tex for tex in texs), texs
    for tex in texs:
        mathml(tex)  # refuses a second superscript on one symbol, as LaTeX does
