"""The formulas of the Backward pass and Update pages, as MathML: the same symbols and numbers."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections import Counter

import pytest

from engine import train
from engine.analysis.chain_rule import chain_rule_terms
from engine.analysis.update_rule import update_terms
from ui.settings import config_from_params
from viz.backward import chain_rule_lines, tex_num
from viz.mathml import MathSyntaxError, formulas_html, mathml
from viz.update import update_lines

# Links whose chain rule and update use every kind of formula the pages write: each loss and
# output, residual, LayerNorm and dropout, every optimizer, weight decay, a batch larger than
# the recorded rows (the engine's batch gradient, \Big|), and a large learning rate.
CONFIGS = [
    {"activation": "tanh"},
    {"activation": "sigmoid", "loss": "mse"},
    {"loss": "mse", "output": "identity", "optimizer": "momentum"},
    {"residual": "true", "layer_norm": "true", "dropout": "0.3", "optimizer": "nesterov"},
    {"dataset": "spiral3", "optimizer": "rmsprop", "weight_decay": "0.01"},
    {"dataset": "spiral3", "loss": "cosine", "optimizer": "adamw", "weight_decay": "0.01"},
    {"dataset": "spiral3", "loss": "mse", "output": "sigmoid", "batch_size": "64"},
    {"dataset": "sine", "optimizer": "sgd", "weight_decay": "0.01", "batch_size": "64"},
    {"dataset": "sine", "optimizer": "sgd", "lr": "10", "activation": "relu"},
]
_BODY = re.compile(r"<annotation .*?</annotation>")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _formulas(params: dict[str, str]) -> list[str]:
    cfg, _ = config_from_params({"depth": "2", "width": "3", "steps": "4", **params})
    run = train(cfg)
    step = run.recorded_steps[-1]
    texs = []
    for layer in run.layer_names:
        j = run.record_at(step).layers[layer].W.shape[1] - 1
        terms = chain_rule_terms(run, step, layer, 0, j)
        texs += [tex for _, tex in chain_rule_lines(terms, 1)]
        texs += [tex for _, tex in update_lines(update_terms(run, step, layer, 0, 0))]
    return [tex for tex in texs if tex]


@pytest.fixture(scope="module")
def formulas() -> list[str]:
    return [tex for params in CONFIGS for tex in _formulas(params)]


def _body(markup: str) -> str:
    # The MathML the browser lays out, without the LaTeX source kept beside it.
    return _BODY.sub("", markup)


def _texts(markup: str, tag: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(rf"<{tag}[^>]*>([^<]*)</{tag}>", markup)]


def test_the_formulas_cover_every_construct(formulas):
    joined = "\n".join(formulas)
    for construct in (r"\frac", r"\sum", r"\begin{aligned}", r"\hat", r"\sqrt", r"\Big|"):
        assert construct in joined, construct
    for construct in (r"\left(", "'", r"\times 10^{", r"\text{lr}"):
        assert construct in joined, construct


def test_every_formula_converts_with_all_its_numbers_and_signs(formulas):
    for tex in formulas:
        markup = mathml(tex)
        ET.fromstring(markup)  # well-formed: the browser's parser gets what we wrote
        body = _body(markup)
        assert "\\" not in body, tex  # every command was understood
        numbers = [n.lstrip("−") for n in _texts(body, "mn")]
        # A subscript comes before its superscript in MathML: compare the numbers as a bag.
        assert Counter(numbers) == Counter(_NUMBER.findall(tex)), tex
        assert body.count("−") == tex.count("-"), tex


def test_the_latex_is_kept_as_the_formulas_annotation(formulas):
    for tex in formulas:
        assert _texts(mathml(tex), "annotation") == [tex]


@pytest.mark.parametrize(
    ("tex", "expected"),
    [
        (r"\frac{a}{2}", "<mfrac><mi>a</mi><mn>2</mn></mfrac>"),
        (r"\sqrt{v}", "<msqrt><mi>v</mi></msqrt>"),
        (
            r"x_{1}^{(n)}",
            '<msubsup><mi>x</mi><mn>1</mn><mrow><mo stretchy="false">(</mo><mi>n</mi>'
            '<mo stretchy="false">)</mo></mrow></msubsup>',
        ),
        (r"\sum_k w", "<munder><mo>∑</mo><mi>k</mi></munder><mi>w</mi>"),
        (r"\hat m", '<mover accent="true"><mi>m</mi><mo>^</mo></mover>'),
        (r"f'(z)", '<mrow><mi>f</mi><mo lspace="0" rspace="0">′</mo></mrow>'),
        (r"= -0.5", "<mo>=</mo><mn>−0.5</mn>"),
        (r"1 - 0.5", "<mn>1</mn><mo>−</mo><mn>0.5</mn>"),
        (r"10^{-8}", "<msup><mn>10</mn><mn>−8</mn></msup>"),
        (r"(-x)", '<mo stretchy="false">(</mo><mo form="prefix">−</mo><mi>x</mi>'),
        (r"\text{lr} \cdot \delta", "<mtext>lr</mtext><mo>⋅</mo><mi>δ</mi>"),
        (tex_num(float("nan")), "<mtext>NaN</mtext>"),
        (tex_num(float("-inf")), '<mo form="prefix">−</mo><mi mathvariant="normal">∞</mi>'),
        (r"\partial L", '<mi mathvariant="normal">∂</mi><mi>L</mi>'),
        (r"a\,b", '<mi>a</mi><mspace width="0.1667em"></mspace><mi>b</mi>'),
        (r"\left(a\right)", '<mo stretchy="true">(</mo><mi>a</mi><mo stretchy="true">)</mo>'),
        (r"\left(-2\right)", '<mo stretchy="true">(</mo><mn>−2</mn>'),
        (r"x^{2} - 1", "</msup><mo>−</mo><mn>1</mn>"),
        (r"a \cdot -3", "<mo>⋅</mo><mn>−3</mn>"),
        (
            r"\Big|_{b}",
            '<msub><mrow><mo stretchy="true" minsize="1.8em" maxsize="1.8em">|</mo></mrow>',
        ),
    ],
)
def test_each_construct_becomes_its_mathml(tex, expected):
    assert expected in mathml(tex)


def test_aligned_steps_become_a_table_of_rows():
    markup = mathml(r"\begin{aligned} y &= a + b \\ &= 3 \end{aligned}")
    table = ET.fromstring(markup).find(".//mtable")
    assert table is not None
    rows = [[ET.tostring(cell, encoding="unicode") for cell in row] for row in table]
    assert len(rows) == 2 and all(len(row) == 2 for row in rows)
    assert "<mi>y</mi>" in rows[0][0] and "<mi>b</mi>" in rows[0][1]
    assert rows[1][0] == "<mtd><mrow /></mtd>" and "<mn>3</mn>" in rows[1][1]


@pytest.mark.parametrize(
    "tex",
    [r"\int x", r"\frac{a}", r"{a", r"a}", r"x^", r"x^{2}^2", r"\begin{aligned} a &= b"],
)
def test_latex_outside_the_subset_is_refused(tex):
    with pytest.raises(MathSyntaxError):
        mathml(tex)


def test_sentences_are_escaped_and_keep_their_bold():
    markup = formulas_html([("**The update.** a < b & <script>", r"a < b"), ("", "x")])
    assert markup.startswith("<p><strong>The update.</strong> a &lt; b &amp; &lt;script&gt;</p>")
    assert "<script>" not in markup
    assert markup.count('<div class="bp-formula">') == 2
    assert "<mo>&lt;</mo>" in markup


def test_a_formula_outside_the_subset_is_shown_as_written():
    assert formulas_html([("", r"\int x < 1")]) == (
        '<div class="bp-formula"><code>\\int x &lt; 1</code></div>'
    )
