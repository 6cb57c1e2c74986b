"""Small ordered printers for formulas: Unicode (terminal, Markdown text, HTML) and LaTeX.

sympy's stock printers sort the terms of sums and products, so ``((5*5*1)+1)*16`` would come
out as ``16*(1 + 5*5*1)``. These printers walk the unevaluated tree in its stored order
instead. Numbers go through a caller-given function, which is how digit grouping reaches
the math without the printers knowing about it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sympy

from ..deriving.formula import Path
from ..deriving.spec import OPEN

NumberFormat = Callable[[int], str]

_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")

# Precedence: higher binds tighter.
_SUM, _PRODUCT, _ATOM = 1, 2, 3


class UnicodePrinter:
    """``⌊(28 − 5 + 2·2)/1 + 1⌋``: the course's notation with Unicode operators."""

    times = "·"
    minus = "−"

    def __init__(self, number: NumberFormat = str, tight: frozenset[Path] = frozenset()) -> None:
        self.number = number
        self.tight = tight

    def doprint(self, expr: Any) -> str:
        return self._print(expr, ())

    # -- dispatch -------------------------------------------------------------------------
    def _print(self, expr: Any, path: Path) -> str:
        if isinstance(expr, sympy.UnevaluatedExpr):
            return self.paren(self._print(expr.args[0], (*path, 0)))
        if expr.is_Integer:
            return self._integer(int(expr))
        if expr.is_Symbol:
            return self.symbol(expr.name)
        if expr.is_Add:
            return self._add(expr, path)
        if expr.is_Mul:
            return self._mul(expr, path)
        if isinstance(expr, sympy.floor):
            return self.floor(self._print(expr.args[0], (*path, 0)))
        if isinstance(expr, sympy.ceiling):
            return self.ceil(self._print(expr.args[0], (*path, 0)))
        # What only a formula in named sizes (explainer.deriving.symbolic) holds, in sympy's own
        # order.
        if expr.is_Pow and expr.args[1].is_Integer and expr.args[1] > 1:
            return self.power(self._operand(expr.args[0], (*path, 0), _ATOM), int(expr.args[1]))
        if expr.is_Rational:
            return self.divide(self._integer(int(expr.p)), self._integer(int(expr.q)), expr)
        raise TypeError(f"no ordered printing for {type(expr).__name__}")

    def _integer(self, value: int) -> str:
        return self.minus + self.number(-value) if value < 0 else self.number(value)

    def _add(self, expr: Any, path: Path) -> str:
        spaced = path not in self.tight
        parts: list[str] = []
        for index, term in enumerate(expr.args):
            negated = _negated(term)
            body = self._operand(negated if negated is not None else term, (*path, index), _SUM)
            if not parts:
                parts.append(self.minus + body if negated is not None else body)
                continue
            sign = self.minus if negated is not None else "+"
            parts.append(f" {sign} {body}" if spaced else f"{sign}{body}")
        return "".join(parts)

    def _mul(self, expr: Any, path: Path) -> str:
        negated = _negated(expr)
        if negated is not None:
            return self.minus + self._operand(negated, (*path, 1), _PRODUCT)
        head = expr.args[0]
        if head.is_Rational and not head.is_Integer:  # sympy's W/2 is (1/2)·W
            rest = sympy.Mul(*expr.args[1:], evaluate=False) if len(expr.args) > 2 else expr.args[1]
            top = rest if head.p == 1 else sympy.Mul(head.p, rest, evaluate=False)
            body = self._operand(top, path, _PRODUCT)
            return self.divide(body, self._integer(int(head.q)), head)
        numerator, denominators = _split_division(expr, path)
        text = self._product(numerator)
        for factor, fpath in denominators:
            text = self.divide(text, self._operand(factor, fpath, _ATOM), factor)
        return text

    def _product(self, factors: list[tuple[Any, Path]]) -> str:
        text = ""
        previous: Any = None
        for factor, fpath in factors:
            body = self._operand(factor, fpath, _PRODUCT)
            if previous is None:
                text = body
            elif previous.is_Integer and (
                factor.is_Symbol or (factor.is_Pow and factor.args[0].is_Symbol)
            ):
                text += self.juxtapose(body)  # 2P, as the course writes it
            else:
                text += self.times + body
            previous = factor
        return text or "1"

    def _operand(self, expr: Any, path: Path, context: int) -> str:
        text = self._print(expr, path)
        return self.paren(text) if _precedence(expr) < context else text

    # -- notation hooks ---------------------------------------------------------------------
    def symbol(self, name: str) -> str:
        if name.startswith(OPEN):  # a size Keras leaves open: written as Keras writes it
            return "None"
        head, _, sub = name.partition("_")
        if not sub and head[:1].isalpha() and head[1:].isdigit():
            head, sub = head[:1], head[1:]
        return head + sub.translate(_SUBSCRIPTS) if sub.isdigit() else name

    def paren(self, text: str) -> str:
        return f"({text})"

    def power(self, base: str, exponent: int) -> str:
        return base + str(exponent).translate(_SUPERSCRIPTS)

    def floor(self, text: str) -> str:
        return f"⌊{text}⌋"

    def ceil(self, text: str) -> str:
        return f"⌈{text}⌉"

    def juxtapose(self, text: str) -> str:
        return text

    def divide(self, numerator: str, denominator: str, factor: Any) -> str:
        return f"{numerator}/{denominator}"


class LatexPrinter(UnicodePrinter):
    r"""``\left\lfloor \frac{28 - 5 + 2 \cdot 2}{1} + 1 \right\rfloor``."""

    times = r" \cdot "
    minus = "-"

    def symbol(self, name: str) -> str:
        if name.startswith(OPEN):
            return r"\mathrm{None}"
        head, _, sub = name.partition("_")
        if not sub and head[:1].isalpha() and head[1:].isdigit():
            head, sub = head[:1], head[1:]
        return f"{head}_{{{sub}}}" if sub else name

    def power(self, base: str, exponent: int) -> str:
        return f"{{{base}}}^{{{exponent}}}"

    def floor(self, text: str) -> str:
        return rf"\left\lfloor {text} \right\rfloor"

    def ceil(self, text: str) -> str:
        return rf"\left\lceil {text} \right\rceil"

    def divide(self, numerator: str, denominator: str, factor: Any) -> str:
        return rf"\frac{{{_unwrap(numerator)}}}{{{_unwrap(denominator)}}}"


def _unwrap(text: str) -> str:
    """A fraction bar groups by itself: drop one pair of outer written parentheses."""
    if text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        return text[1:-1]
    return text


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def _negated(expr: Any) -> Any:
    """``x`` for a node that is ``-1·x`` (how subtraction is stored), else None; in a formula
    of named sizes, sympy's own ``-4`` and ``-2·W`` too."""
    if expr.is_Mul and len(expr.args) == 2 and expr.args[0] == sympy.Integer(-1):
        return expr.args[1]
    if expr.is_Number and expr < 0:
        return -expr
    if expr.is_Mul and expr.args[0].is_Number and expr.args[0] < 0:
        factors = expr.args[1:] if expr.args[0] == -1 else (-expr.args[0], *expr.args[1:])
        return sympy.Mul(*factors, evaluate=False) if len(factors) > 1 else factors[0]
    return None


def _split_division(expr: Any, path: Path) -> tuple[list[tuple[Any, Path]], list[tuple[Any, Path]]]:
    numerator: list[tuple[Any, Path]] = []
    denominators: list[tuple[Any, Path]] = []
    for index, factor in enumerate(expr.args):
        if factor.is_Pow and factor.args[1] == sympy.Integer(-1):
            denominators.append((factor.args[0], (*path, index, 0)))
        else:
            numerator.append((factor, (*path, index)))
    return numerator, denominators


def _precedence(expr: Any) -> int:
    if expr.is_Add:
        return _SUM
    if expr.is_Mul:
        return _PRODUCT
    if expr.is_Integer and expr < 0:
        return _SUM
    return _ATOM
