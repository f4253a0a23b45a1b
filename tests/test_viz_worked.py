"""Worked-example notation and diagram: the engine's numbers under the sources' names."""

from __future__ import annotations

import numpy as np
import pytest

from engine import worked_step
from viz.worked import network_figure, num, unit_names, weight_name


@pytest.fixture(scope="module")
def mazur():
    return worked_step("mazur")


@pytest.fixture(scope="module")
def koech():
    return worked_step("koech")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.7513650696, "0.75136507"),
        (0.2983711087600027, "0.298371109"),
        (0.0821670406, "0.082167041"),
        (0.3589164797, "0.35891648"),
        (0.0004385677, "0.000438568"),
        (0.35, "0.35"),
        (-0.0, "0"),
        (1.5e-9, "1.5e-09"),
    ],
)
def test_num_prints_mazurs_nine_decimals(value: float, text: str) -> None:
    assert num(value) == text


def test_mazur_names(mazur) -> None:
    names = {
        weight_name("mazur", p, i, j): mazur.before[p][i, j]
        for p in ("h1.W", "out.W")
        for i in range(2)
        for j in range(2)
    }
    # Mazur's article: w1..w8 = .15 .20 .25 .30 .40 .45 .50 .55.
    expected = [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55]
    assert [names[f"w{k}"] for k in range(1, 9)] == expected
    assert weight_name("mazur", "h1.b", 1) == "b1"
    assert weight_name("mazur", "out.b", 0) == "b2"
    assert unit_names("mazur") == (["i1", "i2"], ["h1", "h2"], ["o1", "o2"])


def test_koech_names_follow_w1_transposed(koech) -> None:
    # h1.W is W1.T, so engine entry (input i, unit j) is W1[unit j, input i].
    assert weight_name("koech", "h1.W", 2, 1) == "W1[h2,x3]"
    assert weight_name("koech", "out.W", 3, 0) == "W2[ŷ,h4]"
    np.random.seed(3)
    w1 = np.random.randn(4, 3) * 0.1
    assert koech.before["h1.W"][2, 1] == w1[1, 2]


def annotations(fig) -> dict[str, str]:
    """Edge label name -> exact value text from the hover."""
    out = {}
    for a in fig.layout.annotations:
        if a.hovertext:
            name, value = a.hovertext.split(" = ")
            out[name] = value
    return out


@pytest.mark.parametrize("after", [False, True])
def test_mazur_diagram_numbers(mazur, after: bool) -> None:
    fig = network_figure(mazur, after=after)
    params = mazur.after if after else mazur.before
    labels = annotations(fig)
    assert labels["w5"] == num(params["out.W"][0, 0])
    assert labels["w2"] == num(params["h1.W"][1, 0])
    assert labels["b2"] == num(params["out.b"][0])
    assert len(labels) == 8 + 2  # eight weights, b1 and b2 named once each
    outputs = next(t for t in fig.data if t.text and t.text[0].startswith("o1"))
    y_hat = mazur.y_hat_after[0] if after else mazur.trace.y_hat[0]
    assert outputs.hovertext[0].split("o1 = σ(z) = ")[1].startswith(num(y_hat[0]))
    loss = mazur.loss_after if after else mazur.trace.loss
    assert num(loss) in fig.layout.title.text
    if after:
        assert labels["w5"] == "0.35891648" and "0.291027774" in fig.layout.title.text
    else:
        assert labels["w5"] == "0.4" and "0.298371109" in fig.layout.title.text


def test_koech_diagram_numbers(koech) -> None:
    fig = network_figure(koech)
    texts = [a.hovertext for a in fig.layout.annotations if a.hovertext]
    assert len(texts) == 12 + 4 + 4 + 1
    assert f"W1[h2,x3] = {num(koech.before['h1.W'][2, 1])}" in texts
    hidden = next(t for t in fig.data if t.text and t.text[0].startswith("h1"))
    for j, hover in enumerate(hidden.hovertext):
        assert f"z = {num(koech.trace.layers[0].z[0, j])}" in hover
    out = next(t for t in fig.data if t.text and t.text[0].startswith("ŷ"))
    assert "0.5209" in out.text[0]
    assert len(fig.to_json()) < 200_000
