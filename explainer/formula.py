"""Formulas in the course's symbols, kept in the order they are written.

A formula is text such as ``"((m*n*d)+1)*k"``. It is parsed once (with :mod:`ast`, never
``eval``) into an unevaluated sympy expression. Written parentheses survive as
``UnevaluatedExpr`` nodes and the spacing of each ``+``/``-`` is remembered by its position
in the tree, so that the printers in :mod:`explainer.printing` can write
``((5·5·1)+1)·16`` exactly as the course does, where sympy's own printers would reorder it.

Substitution happens under ``evaluate(False)``: the numbers take the symbols' places and
nothing is simplified. The value is then taken with ``doit()``, an exact sympy Integer.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sympy
from sympy.core.parameters import evaluate

Path = tuple[int, ...]

_FUNCTIONS = {"floor": sympy.floor, "ceil": sympy.ceiling}


@dataclass(frozen=True)
class Formula:
    """A parsed formula: the unevaluated expression and the paths of its tight sums."""

    text: str
    expr: Any  # sympy.Expr; sympy ships no type information
    tight: frozenset[Path]

    @property
    def symbols(self) -> tuple[str, ...]:
        """Symbol names in the order they first appear in the text."""
        names = [
            (node.col_offset, node.id)
            for node in ast.walk(ast.parse(self.text, mode="eval"))
            if isinstance(node, ast.Name) and node.id not in _FUNCTIONS
        ]
        return tuple(dict.fromkeys(name for _, name in sorted(names)))

    def substitute(self, values: Mapping[str, int]) -> Any:
        """The formula with numbers in place of symbols, in written order, unevaluated."""
        mapping = {sympy.Symbol(name): sympy.Integer(value) for name, value in values.items()}
        with evaluate(False):
            return self.expr.xreplace(mapping)


def evaluate_exact(expr: Any) -> int:
    """The exact integer value of a substituted formula."""
    value = expr.doit()
    if not value.is_Integer:  # every formula we ship ends in an integer; anything else is a bug
        raise ValueError(f"formula did not evaluate to an integer: {expr} = {value}")
    return int(value)


@functools.cache
def formula(text: str) -> Formula:
    """Parse ``text`` once; later calls with the same text share the result."""
    tree = ast.parse(text, mode="eval")
    builder = _Builder(text)
    with evaluate(False):
        expr = builder.build(tree.body)
    return Formula(text, expr, frozenset(_tight_paths(expr, builder.tight_ids)))


def sum_formula(names: tuple[str, ...]) -> Formula:
    """``p1 + p5 + p10``: the total as a sum of per-layer symbols."""
    return formula(" + ".join(names) if names else "0")


class _Builder:
    """Turns the ast of a formula into sympy nodes without evaluating anything."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tight_ids: set[int] = set()

    def build(self, node: ast.expr) -> Any:
        expr = self._build(node)
        return sympy.UnevaluatedExpr(expr) if self._parenthesised(node) else expr

    def _build(self, node: ast.expr) -> Any:
        if isinstance(node, ast.Constant) and type(node.value) is int:
            return sympy.Integer(node.value)
        if isinstance(node, ast.Name):
            return sympy.Symbol(node.id)
        if isinstance(node, ast.BinOp):
            return self._binop(node)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            (arg,) = node.args
            return _FUNCTIONS[node.func.id](self.build(arg))
        raise ValueError(f"unsupported formula syntax in {self.text!r}: {ast.dump(node)}")

    def _binop(self, node: ast.BinOp) -> Any:
        left, right = self.build(node.left), self.build(node.right)
        if isinstance(node.op, ast.Mult):
            return sympy.Mul(*_flat(left, sympy.Mul), right)
        if isinstance(node.op, ast.Div):
            return sympy.Mul(left, sympy.Pow(right, sympy.Integer(-1)))
        if isinstance(node.op, ast.Add | ast.Sub):
            if isinstance(node.op, ast.Sub):
                right = sympy.Mul(sympy.Integer(-1), right)
            expr = sympy.Add(*_flat(left, sympy.Add), right)
            if self._is_tight(node):
                self.tight_ids.add(id(expr))
            return expr
        raise ValueError(f"unsupported operator in {self.text!r}")

    def _is_tight(self, node: ast.BinOp) -> bool:
        between = self.text[node.left.end_col_offset : node.right.col_offset]
        return " " not in between.replace("(", "")

    def _parenthesised(self, node: ast.expr) -> bool:
        """Whether the text wraps ``node`` in its own parentheses (not a call's)."""
        before = self.text[: node.col_offset].rstrip()
        after = self.text[node.end_col_offset :].lstrip()
        if not (before.endswith("(") and after.startswith(")")):
            return False
        head = before[:-1].rstrip()
        return not (head and (head[-1].isalnum() or head[-1] == "_"))  # "floor(" is a call


def _flat(expr: Any, op: Any) -> tuple[Any, ...]:
    """Left-associative chains (a*b*c) become one n-ary node, as written."""
    return tuple(expr.args) if expr.func is op else (expr,)


def _tight_paths(expr: Any, ids: set[int], path: Path = ()) -> list[Path]:
    found = [path] if id(expr) in ids else []
    for index, arg in enumerate(expr.args):
        found.extend(_tight_paths(arg, ids, (*path, index)))
    return found
