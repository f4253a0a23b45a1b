"""The app's step-by-step formulas as HTML with MathML, which the browser lays out itself.

KaTeX (st.latex) typesets each formula in JavaScript, one page element per formula. On the
Backward pass page that was about a quarter of the browser's work for a step change. The
formulas are written in a small subset of LaTeX (the one `viz.backward` and `viz.update`
use); `mathml` turns that subset into MathML and refuses anything else.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

# A token: \text{...} or \begin{...}/\end{...} whole, a command, a number, a letter, a symbol.
_TOKEN = re.compile(
    r"\\text\{[^{}]*\}|\\(?:begin|end)\{[a-z]+\}|\\[a-zA-Z]+|\\.|\d+(?:\.\d+)?|[a-zA-Z]|\S"
)

# Greek letters, italic like any other letter (the ones the pages' formulas use).
_IDENTIFIERS = {r"\delta": "δ", r"\epsilon": "ϵ", r"\eta": "η", r"\lambda": "λ"}
# What LaTeX sets upright: upper-case Greek, ∂ and ∞ (a lone <mi> is italic).
_UPRIGHT = {r"\Delta": "Δ", r"\partial": "∂", r"\infty": "∞"}
_OPERATORS = {
    r"\cdot": "⋅",
    r"\times": "×",
    r"\cdots": "⋯",
    r"\leftarrow": "←",
    r"\sum": "∑",
    "-": "−",
    "'": "′",
}
_SPACES = {r"\,": "0.1667em"}  # a thin space
_BIG = {r"\Big": "1.8em"}  # a delimiter of fixed height, as TeX sizes \Big
# Plain brackets keep their size in LaTeX; MathML stretches them unless told not to.
_FENCES = set("()[]|")
_ALIGNED = (r"\begin{aligned}", r"\end{aligned}")
_ROW_BREAK = "\\\\"

# After these (or at the start), a minus sign is a number's sign, not a subtraction.
_SIGN_AFTER = {"=", "(", "[", "+", "−", "⋅", "×", "←", "&"}


class MathSyntaxError(ValueError):
    """A formula outside the LaTeX subset this module reads."""


def _el(tag: str, body: str, **attrs: str) -> str:
    extra = "".join(f' {name}="{value}"' for name, value in attrs.items())
    return f"<{tag}{extra}>{body}</{tag}>"


def _text(tag: str, text: str, **attrs: str) -> str:
    return _el(tag, html.escape(text), **attrs)


def _mrow(items: Sequence[str]) -> str:
    # A command's argument is one element: a lone item as it is, else the items in a row.
    return items[0] if len(items) == 1 else _el("mrow", "".join(items))


class _Parser:
    """Reads one formula's tokens into MathML, left to right."""

    def __init__(self, tex: str) -> None:
        self.tokens = _TOKEN.findall(tex)
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise MathSyntaxError("the formula ends too early")
        self.pos += 1
        return token

    def expect(self, token: str) -> None:
        found = self.take()
        if found != token:
            raise MathSyntaxError(f"expected {token!r}, found {found!r}")

    def row(self, stop: frozenset[str]) -> list[str]:
        """Items up to (not including) a token in `stop`, or the end."""
        items: list[str] = []
        previous = "&"  # the start of a row counts as after an operator
        while (token := self.peek()) is not None and token not in stop:
            if token == "-" and previous in _SIGN_AFTER:
                self.take()
                items.append(self.signed())
                previous = "0"
            else:
                items.append(self.scripted())
                last = self.tokens[self.pos - 1]  # \left( ends on "(": a sign may follow
                previous = _OPERATORS.get(last, last)
        return items

    def signed(self) -> str:
        """A minus sign that belongs to what follows: −0.5 as one number, −x as a prefix."""
        token = self.peek()
        if token is not None and token[0].isdigit():
            return self.with_scripts(_text("mn", "−" + self.take()), False)
        return _text("mo", "−", form="prefix")

    def scripted(self) -> str:
        """An atom with its subscript, superscript and primes."""
        token = self.peek()
        return self.with_scripts(self.atom(), token == r"\sum")

    def with_scripts(self, base: str, limits: bool) -> str:
        sub = sup = None
        primes = ""
        while (token := self.peek()) in ("_", "^", "'"):
            self.take()
            if token == "'":
                primes += "′"
            elif (sup if token == "^" else sub) is not None:
                raise MathSyntaxError(f"a second {token} on one symbol (LaTeX refuses it too)")
            elif token == "^":
                sup = self.atom()
            else:
                sub = self.atom()
        if primes:
            # f′ on the line, as in print; with a superscript too, the prime leads it.
            prime = _text("mo", primes, lspace="0", rspace="0")
            if sup is None:
                base = _el("mrow", base + prime)
            else:
                sup = _el("mrow", prime + sup)
        if sub is not None and sup is not None:
            return _el("munderover" if limits else "msubsup", base + sub + sup)
        if sub is not None:
            return _el("munder" if limits else "msub", base + sub)
        if sup is not None:
            return _el("mover" if limits else "msup", base + sup)
        return base

    def group(self) -> str:
        self.expect("{")
        items = self.row(frozenset("}"))
        self.expect("}")
        return _mrow(items)

    def atom(self) -> str:
        """One element: a {group}, a number, a letter, a command with its arguments, a symbol."""
        token = self.peek()
        if token == "{":
            return self.group()
        token = self.take()
        if token[0].isdigit():
            return _text("mn", token)
        if token.isalpha():
            return _text("mi", token)
        if token.startswith("\\"):
            return self.command(token)
        if token in ("}", "^", "_", "&"):
            raise MathSyntaxError(f"unexpected {token!r}")
        symbol = _OPERATORS.get(token, token)
        if token in _FENCES:
            return _text("mo", symbol, stretchy="false")
        return _text("mo", symbol)

    def command(self, name: str) -> str:
        if name in _IDENTIFIERS:
            return _text("mi", _IDENTIFIERS[name])
        if name in _UPRIGHT:
            return _text("mi", _UPRIGHT[name], mathvariant="normal")
        if name in _OPERATORS:
            return _text("mo", _OPERATORS[name])
        if name in _SPACES:
            return _el("mspace", "", width=_SPACES[name])
        if name.startswith(r"\text{"):
            return _text("mtext", name[len(r"\text{") : -1])
        if name == r"\frac":
            return _el("mfrac", self.atom() + self.atom())
        if name == r"\sqrt":
            return _el("msqrt", self.atom())
        if name == r"\hat":
            return _el("mover", self.atom() + _text("mo", "^"), accent="true")
        if name in (r"\left", r"\right"):
            return _text("mo", self.take(), stretchy="true")
        if name in _BIG:
            size = _BIG[name]
            # In a row of its own: Chromium sizes a lone script base by its own glyph.
            bar = _text("mo", self.take(), stretchy="true", minsize=size, maxsize=size)
            return _el("mrow", bar)
        if name == _ALIGNED[0]:
            return self.aligned()
        raise MathSyntaxError(f"unsupported LaTeX: {name}")

    def aligned(self) -> str:
        """\\begin{aligned} a &= b \\\\ &= c \\end{aligned}: a table, right then left aligned."""
        stop = frozenset({"&", _ROW_BREAK, _ALIGNED[1]})
        rows: list[str] = []
        cells: list[str] = []
        while True:
            items = self.row(stop)
            cells.append(_el("mtd", _mrow(items)))
            token = self.take()
            if token == "&":
                continue
            rows.append(_el("mtr", "".join(cells)))
            cells = []
            if token == _ALIGNED[1]:
                return _el("mtable", "".join(rows), columnalign="right left", displaystyle="true")


def mathml(tex: str) -> str:
    """The formula `tex` as a block of MathML, its LaTeX kept as an annotation."""
    parser = _Parser(tex)
    items = parser.row(frozenset())
    source = _text("annotation", tex, encoding="application/x-tex")
    body = _el("semantics", _el("mrow", "".join(items)) + source)
    return _el("math", body, display="block")


def _text_html(text: str) -> str:
    # The pages' sentences use one piece of Markdown, **bold**.
    escaped = html.escape(text)
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", escaped)


def formulas_html(lines: Sequence[tuple[str, str]]) -> str:
    """Sentences and formulas, (text, LaTeX) pairs, as HTML: a paragraph and a formula each."""
    parts: list[str] = []
    for text, tex in lines:
        if text:
            parts.append(_el("p", _text_html(text)))
        if tex:
            try:
                shown = mathml(tex)
            except MathSyntaxError:  # as written rather than a broken page (tests keep it rare)
                shown = _text("code", tex)
            parts.append(_el("div", shown, **{"class": "bp-formula"}))
    return "".join(parts)
