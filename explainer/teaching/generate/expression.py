"""A student's formula (``d*h + h + h*c + c``, ``(d+1)h + (h+1)c``) read into sympy, safely.

sympy's ``parse_expr`` evaluates its input with ``eval``: never on user text. This is a small
recursive-descent parser of one grammar, building the sympy expression node by node:

    sum     := product (("+" | "-") product)*
    product := unary (("*" | "·" | "×" | "/") unary | unary)*    a bare juxtaposition: 2h, dh
    unary   := ("+" | "-") unary | power
    power   := atom ("^" | "**") unary | atom superscript | atom
    atom    := integer | size name | "(" sum ")"

Only numbers, the problem's named sizes (a run of letters is read as the longest names it
splits into: ``dh`` is d·h), the operators above and parentheses are accepted. An exponent
must be a whole number from 0 to ``MAX_POWER`` (no names), so the result is a rational
function of the sizes; its degree (bounded as it is read: a sum's is its terms' largest, a
product's or quotient's the sum of its factors', a power's the base's times the exponent), the
length, the nesting and each number's digits are bounded.

The same grammar is the self-study page's (``templates/html/selfstudy.html``), which checks
a formula by evaluating it at sample points instead of with sympy.
"""

from __future__ import annotations

from typing import Any

import sympy

from ...deriving.symbolic import symbol
from ...errors import ExplainerError
from ...records import record

MAX_LENGTH = 400
MAX_DEPTH = 30
MAX_DIGITS = 30
MAX_POWER = 12
MAX_BITS = 4096  # a number a power gives: (10^30)^12 is 1,196 bits
MAX_DEGREE = 24  # a parameter count of a few layers is of degree 2 or 3
_TIMES = {"*": "*", "·": "*", "×": "*", "⋅": "*", "/": "/"}
_SUPERSCRIPTS = {"⁰": 0, "¹": 1, "²": 2, "³": 3, "⁴": 4, "⁵": 5, "⁶": 6, "⁷": 7, "⁸": 8, "⁹": 9}
_MINUS = {"-": "-", "−": "-"}  # the minus sign as typed, and as the solutions print it


class FormulaError(ExplainerError):
    """A formula that cannot be read: where (column, from 1) and what."""


@record
class Token:
    kind: str  # "num", "name", "op", "(", ")", "sup", "end"
    text: str
    column: int  # from 1
    value: Any = None


def read_formula(text: str, names: tuple[str, ...]) -> Any:
    """The sympy expression ``text`` writes in the sizes ``names`` (each a positive integer
    symbol, as explainer.deriving.symbolic makes them); FormulaError where it cannot be read."""
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"the formula is {len(text)} characters long; at most {MAX_LENGTH}")
    parser = _Parser(_tokens(text, names))
    if parser.peek().kind == "end":
        raise FormulaError("the formula is empty")
    expr, _ = parser.sum(0)
    parser.expect("end")
    return expr


def equivalent(a: Any, b: Any) -> bool:
    """Whether two formulas in the sizes are equal for every value of them (exactly)."""
    return bool(sympy.cancel(sympy.sympify(a) - sympy.sympify(b)) == 0)


def _tokens(text: str, names: tuple[str, ...]) -> list[Token]:
    found: list[Token] = []
    at = 0
    while at < len(text):
        char, column = text[at], at + 1
        if char.isspace():
            at += 1
        elif char.isascii() and char.isdigit():
            end = at
            while end < len(text) and text[end].isascii() and text[end].isdigit():
                end += 1
            digits = text[at:end]
            if len(digits) > MAX_DIGITS:
                raise FormulaError(f"col {column}: a number of {len(digits)} digits; at most "
                                   f"{MAX_DIGITS}")  # fmt: skip
            found.append(Token("num", digits, column, int(digits)))
            at = end
        elif char.isalpha() and char.isascii():
            end = at
            while end < len(text) and text[end].isascii() and text[end].isalpha():
                end += 1
            found += _split_names(text[at:end], column, names)
            at = end
        elif text.startswith("**", at):
            found.append(Token("op", "^", column))
            at += 2
        elif char in _TIMES or char in _MINUS or char in "+^":
            found.append(Token("op", _TIMES.get(char, _MINUS.get(char, char)), column))
            at += 1
        elif char in "()":
            found.append(Token(char, char, column))
            at += 1
        elif char in _SUPERSCRIPTS:
            found.append(Token("sup", char, column, _SUPERSCRIPTS[char]))
            at += 1
        else:
            raise FormulaError(f"col {column}: {char!r} is not part of a formula: use numbers, "
                               f"{_listed(names)}, + - * / ^ and parentheses")  # fmt: skip
    found.append(Token("end", "", len(text) + 1))
    return found


def _split_names(word: str, column: int, names: tuple[str, ...]) -> list[Token]:
    """A run of letters as the longest names it splits into (``dh`` -> d, h)."""
    found: list[Token] = []
    at = 0
    while at < len(word):
        name = max((n for n in names if word.startswith(n, at)), key=len, default=None)
        if name is None:
            raise FormulaError(
                f"col {column + at}: {word!r} is not a size of this problem; its sizes are "
                f"{_listed(names)}"
            )
        found.append(Token("name", name, column + at))
        at += len(name)
    return found


def _listed(names: tuple[str, ...]) -> str:
    return ", ".join(names) if names else "no names (a number only)"


def _bits(number: Any) -> int:
    return max(int(number.p).bit_length(), int(number.q).bit_length())


def _bounded(degree: int, token: Token) -> int:
    if degree > MAX_DEGREE:
        raise FormulaError(f"col {token.column}: the formula's degree exceeds {MAX_DEGREE}")
    return degree


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens, self.at = tokens, 0

    def peek(self) -> Token:
        return self.tokens[self.at]

    def take(self) -> Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def expect(self, kind: str) -> Token:
        token = self.peek()
        if token.kind != kind:
            wanted = "the end of the formula" if kind == "end" else repr(kind)
            found = "the end" if token.kind == "end" else repr(token.text)
            raise FormulaError(f"col {token.column}: expected {wanted}, found {found}")
        return self.take()

    # Each rule returns (expression, a bound on its total degree): the degree is bounded as
    # the formula is read, so that no power blows up before sympy sees it.
    def sum(self, depth: int) -> tuple[Any, int]:
        value, degree = self.product(depth)
        while self.peek().kind == "op" and self.peek().text in "+-":
            sign = self.take().text
            term, more = self.product(depth)
            value, degree = (value + term if sign == "+" else value - term), max(degree, more)
        return value, degree

    def product(self, depth: int) -> tuple[Any, int]:
        value, degree = self.unary(depth)
        while True:
            token = self.peek()
            if token.kind == "op" and token.text in "*/":
                self.take()
                factor, more = self.unary(depth)
                if token.text == "/" and factor == 0:
                    raise FormulaError(f"col {token.column}: division by zero")
                value = value * factor if token.text == "*" else value / factor
            elif token.kind in ("num", "name", "("):  # juxtaposed: 2h, dh, (d+1)(h+1)
                factor, more = self.power(depth)
                value = value * factor
            else:
                return value, degree
            degree = _bounded(degree + more, token)

    def unary(self, depth: int) -> tuple[Any, int]:
        token = self.peek()
        if token.kind == "op" and token.text in "+-":
            self.take()
            value, degree = self.unary(self._deeper(depth, token))
            return (-value if token.text == "-" else value), degree
        return self.power(depth)

    def power(self, depth: int) -> tuple[Any, int]:
        base, degree = self.atom(depth)
        token = self.peek()
        if token.kind == "sup":
            self.take()
            exponent = self._exponent(sympy.Integer(token.value), token)
        elif token.kind == "op" and token.text == "^":
            self.take()
            exponent = self._exponent(self.unary(self._deeper(depth, token))[0], token)
        else:
            return base, degree
        if base.is_Rational and _bits(base) * int(exponent) > MAX_BITS:
            raise FormulaError(f"col {token.column}: a number of more than {MAX_BITS} bits")
        return base**exponent, _bounded(degree * int(exponent), token)

    def atom(self, depth: int) -> tuple[Any, int]:
        token = self.take()
        if token.kind == "num":
            return sympy.Integer(token.value), 0
        if token.kind == "name":
            return symbol(token.text), 1
        if token.kind == "(":
            value = self.sum(self._deeper(depth, token))
            self.expect(")")
            return value
        found = "the end" if token.kind == "end" else repr(token.text)
        raise FormulaError(f"col {token.column}: expected a number, a size or '(', found {found}")

    def _exponent(self, exponent: Any, token: Token) -> Any:
        if not (exponent.is_Integer and 0 <= exponent <= MAX_POWER):
            raise FormulaError(
                f"col {token.column}: a power must be a whole number from 0 to {MAX_POWER}, "
                f"got {exponent}"
            )
        return exponent

    @staticmethod
    def _deeper(depth: int, token: Token) -> int:
        if depth >= MAX_DEPTH:
            raise FormulaError(f"col {token.column}: nested more than {MAX_DEPTH} deep")
        return depth + 1
