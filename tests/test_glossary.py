"""The glossary: every word the issue names, examples read from the run, the page draws."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine import Config, train
from tests.apptest_utils import page_text, run_page
from tests.lesson_utils import run_cheap_hostile_link
from ui import glossary

WORDS = (
    "gradient", "loss", "logit", "activation", "δ = dl/dz", "chain rule", "learning rate",
    "batch", "epoch", "saturation", "dead unit", "update ratio", "vanishing gradient",
    "exploding gradient", "residual connection", "γ and β", "momentum", "adam's m and v",
    "weight decay", "dropout", "xavier, he", "loss surface", "local minimum",
)  # fmt: skip
SMALL = {"steps": 20, "samples": 60}


def test_every_word_has_a_definition_and_every_example_a_term():
    names = [t.lower() for t, _ in glossary.TERMS]
    for word in WORDS:
        assert any(word in n for n in names), word
    assert set(glossary.EXAMPLES) <= {t for t, _ in glossary.TERMS}
    assert all(len(d) < 300 for _, d in glossary.TERMS)


def test_examples_carry_the_runs_own_numbers():
    run = train(Config(activation="tanh", optimizer="momentum", lr=0.1, **SMALL))
    ex = glossary.examples(run)
    rec = run.records[run.recorded_steps[-1]]
    assert f"{rec.grads['h1.W'][0, 0]:.4g}" in ex["Gradient"]
    assert f"{run.loss[-1]:.4g}" in ex["Loss"]
    assert f"{rec.layers['out'].z[0, 0]:.4g}" in ex["Logit"]
    assert f"{rec.layers['h1'].delta[0, 0]:.4g}" in ex["δ = dL/dz"]
    assert f"{rec.layers['h1'].state['velocity'][0, 0]:.4g}" in ex["Momentum"]
    assert f"{run.metric('saturated')[-1, 0]:.1%}" in ex["Saturation"]
    assert f"{run.metric('update_ratio')[-1, 0]:.4g}" in ex["Update ratio"]
    # 42 training rows in batches of 32: one step per epoch, 20 steps are 20 epochs.
    assert "1 step per epoch (42 // 32), so its 20 steps are 20 epochs" in ex["Epoch"]
    std = math.sqrt(2 / (2 + 8))
    assert f"Xavier's std would be {std:.4g}" in ex["Initialisation (Xavier, He)"]
    assert f"{np.std(run.records[0].params['h1.W']):.4g}" in ex["Initialisation (Xavier, He)"]
    # Words this configuration does not show have no example rather than a wrong one.
    for term in ("Dead unit", "Adam's m and v", "Dropout", "LayerNorm (γ and β)"):
        assert term not in ex


def test_examples_follow_the_configuration():
    run = train(Config(activation="relu", optimizer="adam", dropout=0.5, layer_norm=True, **SMALL))
    ex = glossary.examples(run)
    rec = run.records[run.recorded_steps[-1]]
    assert f"m = {rec.layers['h1'].state['m'][0, 0]:.4g}" in ex["Adam's m and v"]
    assert f"{run.metric('dead')[-1, 0]:.1%}" in ex["Dead unit"]
    assert "p = 0.5, kept units scaled by 2" in ex["Dropout"]
    assert f"{rec.params['h1.gamma'].min():.4g}" in ex["LayerNorm (γ and β)"]
    assert "Saturation" not in ex and "Momentum" not in ex


def test_glossary_page_draws_every_term_and_the_notation_table():
    at = run_page("app_pages/glossary.py", {"steps": "20"})
    assert not at.exception
    text = page_text(at)
    for term, _ in glossary.TERMS:
        assert f"**{term}**" in text
    run = train(Config(steps=20))
    assert glossary.examples(run)["Gradient"] in text
    assert list(at.table[0].value.iloc[:, 1]) == [a for _, a, _ in glossary.NOTATION]
    pages = {link.proto.page for link in at.get("page_link")}
    assert {"backward", "update", "vanishing", "local_minima"} <= pages


@pytest.mark.parametrize("page", ["app_pages/glossary.py"])
def test_glossary_survives_a_hostile_link(page):
    run_cheap_hostile_link(page, charts=0)


def test_the_worked_example_maps_its_notation_to_the_apps():
    at = run_page("app_pages/worked_example.py", {"steps": "10"})
    assert not at.exception
    table = at.table[0].value
    assert list(table.iloc[:, 0]) == ["E", "t", "o (out)", "η", "net", "out_h, h"]
    assert list(table.iloc[:, 1]) == ["L", "y", "ŷ", "lr", "z", "a"]
