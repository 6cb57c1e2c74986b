"""A derivation step: the record of one formula applied to numbers. Pure data for the templates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..records import record
from .formula import Formula, evaluate_exact, formula


@record
class Step:
    """``quantity = formula = substituted = value``, with the meaning of every symbol.

    ``counts`` marks steps whose operands are parameter counts (the total), which the
    renderers group like every other count (``416 + 12,832``); sizes such as 1024 stay plain.
    """

    quantity: str
    formula: Formula
    values: tuple[tuple[str, int], ...]
    meanings: tuple[tuple[str, str], ...]
    substituted: Any  # unevaluated sympy expression
    value: int
    why: str
    counts: bool = False

    @property
    def substitution_is_value(self) -> bool:
        """Whether the formula with its numbers in is already the value: one term (``p_1``
        -> 416), which ``= 416 = 416`` would say twice. Templates then write ``= 416``."""
        return bool(self.substituted.is_Atom)

    @property
    def formula_is_value(self) -> bool:
        """Whether the formula is a number itself (a total of no terms: 0): nothing to put
        in, and nothing to work out. Templates then write the formula alone."""
        return bool(self.formula.expr.is_Atom) and not self.formula.symbols

    @property
    def legend(self) -> tuple[tuple[str, str, int], ...]:
        """(symbol, meaning, value) in the order the symbols appear in the formula; a symbol
        left without a value (the unknown of a budget question) is not in it."""
        values = dict(self.values)
        meanings = dict(self.meanings)
        return tuple(
            (s, meanings.get(s, ""), values[s]) for s in self.formula.symbols if s in values
        )


def derive(
    quantity: str,
    text: str | Formula,
    values: Mapping[str, int],
    meanings: Mapping[str, str],
    why: str = "",
    *,
    counts: bool = False,
) -> Step:
    """Apply the formula ``text`` to ``values`` and keep every stage of it."""
    parsed = formula(text) if isinstance(text, str) else text
    used = {symbol: values[symbol] for symbol in parsed.symbols}
    substituted = parsed.substitute(used)
    return Step(
        quantity=quantity,
        formula=parsed,
        values=tuple(used.items()),
        meanings=tuple((s, meanings[s]) for s in used if s in meanings),
        substituted=substituted,
        value=evaluate_exact(substituted),
        why=why,
        counts=counts,
    )
