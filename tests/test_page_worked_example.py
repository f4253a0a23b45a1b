"""The Worked example page through AppTest: the published numbers, as the engine computes them."""

from __future__ import annotations

import pytest

from engine import worked_step
from tests.apptest_utils import HOSTILE_PARAMS, assert_ok, page_text, plotly_specs, run_page
from viz.worked import num

PAGE = "app_pages/worked_example.py"

# Mazur's article: o1, E, dE/dw5, w5+, dE/dw1, w1+ and w6+..w8+ (it prints w2+..w4+ with
# 8 decimals, rounded, so those are checked against the engine below instead).
MAZUR_PUBLISHED = [
    "0.75136507",
    "0.298371109",
    "0.082167041",
    "0.35891648",
    "0.000438568",
    "0.149780716",
    "0.408666186",
    "0.51130127",
    "0.561370121",
]


def all_text(at) -> str:
    """Page text plus every dataframe cell, so table values count too."""
    frames = [df.value.to_string() for df in at.dataframe]
    return page_text(at) + "\n" + "\n".join(frames)


@pytest.fixture(scope="module")
def mazur_page():
    at = run_page(PAGE)
    assert_ok(at)
    return at


def test_mazur_published_numbers_appear(mazur_page):
    text = all_text(mazur_page)
    for value in MAZUR_PUBLISHED:
        assert value in text, value
    assert "settings apply to the other pages" in text
    assert "not updated" in text


def test_mazur_numbers_are_the_engines(mazur_page):
    ws = worked_step("mazur")
    text = all_text(mazur_page)
    latex = "\n".join(e.value for e in mazur_page.latex)
    for value in (
        ws.trace.layers[0].z[0, 0],
        ws.trace.y_hat[0, 1],
        ws.trace.loss,
        ws.trace.delta_out[0, 0],
        ws.trace.layers[0].d_a[0, 0],
        ws.trace.layers[0].delta[0, 1],
        ws.grads["out.W"][1, 1],
        ws.grads["h1.W"][1, 0],
        ws.after["out.W"][0, 1],
        ws.loss_after,
    ):
        assert num(value) in latex, value
    # The chain rule for w5 with its numbers, and w1's update, as the brief spells them.
    assert "0.15 \\cdot 0.05 + 0.2 \\cdot 0.1 + 0.35 = 0.3775" in latex
    assert "= 0.138498562 \\cdot 0.593269992 = 0.082167041" in latex
    assert "0.15 - 0.5 \\cdot 0.000438568 = 0.149780716" in latex
    assert "b1" in text and "w8" in text


def test_diagram_before_and_after(mazur_page):
    spec = plotly_specs(mazur_page)[0]
    hovers = {a.get("hovertext") for a in spec["layout"]["annotations"]}
    assert "w5 = 0.4" in hovers and "w1 = 0.15" in hovers
    assert "0.298371109" in spec["layout"]["title"]["text"]
    mazur_page.toggle(key="worked_after").set_value(True).run()
    assert_ok(mazur_page)
    spec = plotly_specs(mazur_page)[0]
    hovers = {a.get("hovertext") for a in spec["layout"]["annotations"]}
    assert "w5 = 0.35891648" in hovers and "b2 = 0.6" in hovers
    assert "0.291027774" in spec["layout"]["title"]["text"]
    mazur_page.toggle(key="worked_after").set_value(False).run()


def test_koech():
    at = run_page(PAGE)
    at.segmented_control(key="example").set_value("koech").run()
    assert_ok(at)
    ws = worked_step("koech")
    text = all_text(at)
    assert "0.521" in text  # the article's prediction
    latex = "\n".join(e.value for e in at.latex)
    assert f"= {num(ws.trace.y_hat[0, 0])}" in latex
    assert f"= {num(ws.trace.loss)}" in latex
    assert "0.520887671 - 1 = -0.479112329" in latex
    for i, j in ((0, 0), (2, 1), (1, 3)):
        assert num(ws.grads["h1.W"][i, j]) in latex
        assert num(ws.after["h1.W"][i, j]) in latex
    # W1 is shown as in the article: one row per hidden unit (the engine's h1.W transposed).
    w1 = at.dataframe[0].value
    assert list(w1.index) == ["h1", "h2", "h3", "h4"] and list(w1.columns) == ["x1", "x2", "x3"]
    assert w1.loc["h2", "x3"] == num(ws.before["h1.W"][2, 1])
    assert "not updated" not in text


@pytest.mark.parametrize(
    "params", [{"depth": "10", "activation": "relu", "lr": "1.0"}, HOSTILE_PARAMS]
)
def test_sidebar_settings_do_not_change_the_numbers(params):
    at = run_page(PAGE, params)
    assert_ok(at)
    if params is HOSTILE_PARAMS:
        assert at.warning
    latex = "\n".join(e.value for e in at.latex)
    assert "= 0.75136507" in latex and "= 0.35891648" in latex


def test_the_chosen_example_travels_in_the_link_and_the_run_controls_are_off():
    at = run_page(PAGE)
    at.segmented_control(key="example").set_value("koech").run()
    assert_ok(at)
    assert "example=koech" in at.main.code[0].value  # the header's Copy link
    assert at.sidebar.slider(key="depth").disabled
    assert at.sidebar.selectbox(key="activation").disabled
    assert any("fixed published numbers" in i.value for i in at.sidebar.info)
