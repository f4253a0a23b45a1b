"""The chain rule and the update rule in the real browser: laid out as math (MathML, with no
KaTeX), in the page's colours, within a phone's width, and following the step slider."""

from __future__ import annotations

from engine import Config, train
from engine.analysis.chain_rule import chain_rule_terms
from tests.e2e.conftest import luminance, wait_for_app
from viz.backward import tex_num

# Per block of formulas (the gradient check's table is a block of its own): the LaTeX kept
# beside each formula, the text colour, and whether the browser laid the math out: a
# fraction's numerator above its denominator, an aligned formula's rows one below the
# other, every formula a block of some width.
_BLOCKS = """() => Array.from(document.querySelectorAll('.bp-html'))
  .filter(box => box.querySelector('math')).map(box => {
  const rect = (el) => el.getBoundingClientRect();
  const maths = Array.from(box.querySelectorAll('math'));
  return {
    latex: Array.from(box.querySelectorAll('annotation')).map(a => a.textContent),
    color: getComputedStyle(maths[0]).color,
    widths: maths.map(m => rect(m).width),
    fractions: Array.from(box.querySelectorAll('mfrac')).map(f =>
      rect(f.children[0]).bottom <= rect(f.children[1]).top + 1),
    rows: Array.from(box.querySelectorAll('mtable')).map(t =>
      Array.from(t.children).every((r, i, all) => i === 0 || rect(r).top > rect(all[i - 1]).top)),
  };
})"""


def _blocks(page) -> list[dict]:
    return page.evaluate(_BLOCKS)


def _laid_out_as_math(block: dict) -> bool:
    return (
        bool(block["fractions"])
        and all(block["fractions"])
        and all(block["rows"])
        and all(w > 20 for w in block["widths"])
    )


def test_the_chain_rule_is_drawn_as_math_and_follows_the_step(app):
    run = train(Config(steps=30))
    app.open("/backward?steps=30&step=12")
    app.until(lambda: _blocks(app.page), 30, "the chain rule's formulas")
    (block,) = _blocks(app.page)
    assert _laid_out_as_math(block), block
    assert luminance(block["color"]) < 100  # dark text on the light page
    assert tex_num(chain_rule_terms(run, 12, "h1", 0, 0).dW_terms) in "".join(block["latex"])
    thumb = app.step_slider()
    thumb.focus()
    thumb.press("ArrowLeft")
    earlier = tex_num(chain_rule_terms(run, 11, "h1", 0, 0).dW_terms)
    app.until(lambda: earlier in "".join(_blocks(app.page)[0]["latex"]), 20, "step 11's numbers")
    app.wait()
    assert len(_blocks(app.page)) == 1 and _laid_out_as_math(_blocks(app.page)[0])
    assert app.exceptions() == []


def test_the_update_rule_reads_in_dark_on_a_phone(browser, app_server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme="dark")
    try:
        page = context.new_page()
        page.goto(app_server + "/update?optimizer=adam&steps=30&step=5")
        wait_for_app(page)
        (block,) = _blocks(page)
        assert _laid_out_as_math(block), block
        assert luminance(block["color"]) > 150  # light text on the dark page
        assert any(r"\hat m" in tex for tex in block["latex"])
        # Long formulas scroll inside their own box; the page does not scroll sideways.
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
