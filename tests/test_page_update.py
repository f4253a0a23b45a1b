"""The Update page through AppTest: its numbers are the engine's, deep links, bad links."""

from __future__ import annotations

import pytest

from engine import Config, train
from engine.analysis.update_rule import step_effect, update_ratios, update_terms
from tests.apptest_utils import assert_ok, formulas_latex, page_text, plotly_specs, run_page
from tests.lesson_utils import run_cheap_hostile_link
from tests.test_engine_training import DIVERGES
from ui.settings import config_from_params
from viz.backward import tex_num
from viz.update import loss_change_sentence, ratio_sentence

PAGE = "app_pages/update.py"


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _assert_numbers(at, cfg: Config, step: int, layer: str, i: int, j: int) -> None:
    run = train(cfg)
    t = update_terms(run, step, layer, i, j)
    shown = _metrics(at)
    assert shown["w before"] == f"{t.w_before:.6g}"
    assert shown["dL/dw"] == f"{t.grad:.6g}"
    assert shown["Δw subtracted"] == f"{t.update:.6g}"
    assert shown["w after"] == f"{t.w_after:.6g}"
    tex = formulas_latex(at)
    for value in (t.w_before, t.update, t.w_after):
        assert tex_num(value, 6) in tex
    text = page_text(at)
    assert f"w[{i}, {j}] of {layer}** before the update of step {step}" in text
    effect = step_effect(run, step)
    assert shown["Loss on the batch before"] == f"{effect.loss_before:.6g}"
    assert shown["Loss on the same batch after"] == f"{effect.loss_after:.6g}"
    assert loss_change_sentence(effect.loss_before, effect.loss_after, step) in text
    assert ratio_sentence(layer, update_ratios(run, step)[layer]) in text
    following = run.records.get(step + 1)
    if following is not None:
        assert f"is {float(following.params[f'{layer}.W'][i, j])!r}, the same number" in text


def test_defaults_show_the_last_steps_update():
    at = run_page(PAGE)
    assert_ok(at, charts=1)
    assert not at.warning
    title = plotly_specs(at)[0]["layout"]["title"]["text"]
    assert title.startswith("Update ratio")
    _assert_numbers(at, Config(), 299, "h1", 0, 0)
    assert r"\hat m" in formulas_latex(at)  # the default optimizer is Adam


@pytest.mark.parametrize(
    ("params", "marker"),
    [
        ({"optimizer": "momentum", "weight_decay": "0.01"}, "Weight decay 0.01 (L2)"),
        ({"optimizer": "rmsprop"}, "running average of g²"),
        ({"optimizer": "adamw", "weight_decay": "0.1"}, "AdamW also shrinks the weight"),
    ],
)
def test_a_deep_link_opens_on_its_step_weight_and_optimizer(params, marker):
    link = {**params, "steps": "30", "step": "7", "cr_layer": "out", "cr_i": "3", "cr_j": "0"}
    at = run_page(PAGE, link)
    assert_ok(at, charts=1)
    assert not at.warning
    assert at.selectbox(key="cr_layer").value == "out"
    _assert_numbers(at, config_from_params(link)[0], 7, "out", 3, 0)
    assert marker in page_text(at)
    # Another weight from the picker: the numbers follow.
    at.selectbox(key="cr_layer").set_value("h2").run()
    at.number_input(key="cr_j").set_value(5).run()
    _assert_numbers(at, config_from_params(link)[0], 7, "h2", 3, 5)


def test_a_diverged_step_says_no_update_was_applied():
    link = DIVERGES.changed_params()
    run = train(config_from_params(link)[0])
    at = run_page(PAGE, {**link, "step": str(run.diverged_at)})
    assert not at.exception
    assert any("no update was applied" in str(w.value) for w in at.warning)


def test_update_survives_a_hostile_link():
    run_cheap_hostile_link(PAGE, charts=1)


def test_a_strided_run_says_the_next_record_is_further_on():
    at = run_page(PAGE, {"steps": "150", "samples": "60", "step": "10"})
    assert_ok(at, charts=1)
    run = train(Config(steps=150, samples=60))
    assert run.stride == 2
    assert "The next recorded step is 12: 1 more update happens before it" in page_text(at)
    assert "derived from the state after the step" in page_text(at)
