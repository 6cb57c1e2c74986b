"""Formulas in the course's symbols, kept in the order they are written.

A formula is text such as ``"((m*n*d)+1)*k"``. It is parsed once (with :mod:`ast`, never
``eval``) into an unevaluated sympy expression. Written parentheses survive as
``UnevaluatedExpr`` nodes and the spacing of each ``+``/``-`` is remembered by its position
in the tree, so that the printers in :mod:`explainer.rendering.printing` can write
``((5·5·1)+1)·16`` exactly as the course does, where sympy's own printers would reorder it.

Substitution builds every node with ``evaluate=False``: the numbers take the symbols' places
and nothing is simplified. The value is then worked out with sympy's own exact Integer and
Rational arithmetic, node by node, to an exact sympy Integer.

Why not ``with evaluate(False)`` and ``doit()``: switching sympy's global ``evaluate`` flag
clears sympy's whole cache, twice per step (and the caller's cache too), and ``doit()`` goes
through the general simplifier, whose first use imports sympy.tensor and sympy.combinatorics:
together most of a cold run's own time. The numbers are the same, exactly.
"""

from __future__ import annotations

import ast
import functools
import operator
from collections.abc import Mapping
from typing import Any

import sympy

from ..records import record

Path = tuple[int, ...]

_FUNCTIONS = {"floor": sympy.floor, "ceil": sympy.ceiling}


@record
class Formula:
    """A parsed formula: the unevaluated expression and the paths of its tight sums."""

    text: str
    expr: Any  # sympy.Expr; sympy ships no type information
    tight: frozenset[Path]
    symbols: tuple[str, ...]  # symbol names in the order they first appear in the text

    def substitute(self, values: Mapping[str, int]) -> Any:
        """The formula with numbers in place of symbols, in written order, unevaluated."""
        mapping = {sympy.Symbol(name): _number(value) for name, value in values.items()}
        return _replace(self.expr, mapping)[0]


def _number(value: Any) -> Any:
    """An int as a sympy Integer; a named size's expression (explainer.deriving.symbolic) in reading
    order."""
    return ordered(value) if isinstance(value, sympy.Basic) else sympy.Integer(value)


def ordered(expr: Any) -> Any:
    """A formula that sympy has worked out (a value in named sizes), its sums rearranged in
    sympy's reading order, highest degree first (``10k·⌊W/2⌋² + 76k + 10``), for printing."""
    if expr.is_Atom:
        return expr
    args = [ordered(arg) for arg in (expr.as_ordered_terms() if expr.is_Add else expr.args)]
    if expr.is_Add or expr.is_Mul or expr.is_Pow:
        return expr.func(*args, evaluate=False)
    return expr.func(*args)


def evaluate_exact(expr: Any) -> int:
    """The exact integer value of a substituted formula.

    With named sizes (explainer.deriving.symbolic) in it, the value is their expanded expression, an
    integer for every value of the names, as a sympy expression instead of an int."""
    value = _exact(expr)
    if value.free_symbols:
        from .symbolic import exact

        return exact(value)  # type: ignore[no-any-return]
    if not value.is_Integer:  # every formula we ship ends in an integer; anything else is a bug
        raise ValueError(f"formula did not evaluate to an integer: {expr} = {value}")
    return int(value)


def _replace(expr: Any, mapping: Mapping[Any, Any]) -> tuple[Any, bool]:
    """``expr.xreplace(mapping)`` as under ``evaluate(False)``; untouched subtrees are kept."""
    if expr in mapping:
        return mapping[expr], True
    replaced = [_replace(arg, mapping) for arg in expr.args]
    if not any(changed for _, changed in replaced):
        return expr, False
    return _unevaluated(expr.func, *(arg for arg, _ in replaced)), True


def _exact(expr: Any) -> Any:
    """The value of an unevaluated tree in sympy's exact numbers (Integer, Rational)."""
    if expr.is_Atom:  # a number, or a symbol left over, which the caller refuses
        return expr
    args = [_exact(arg) for arg in expr.args]
    if expr.is_Add:
        return functools.reduce(operator.add, args)
    if expr.is_Mul:
        return functools.reduce(operator.mul, args)
    if expr.is_Pow and args[1] == -1:
        return sympy.Integer(1) / args[0]
    if isinstance(expr, sympy.UnevaluatedExpr):
        return args[0]
    if isinstance(expr, sympy.floor | sympy.ceiling) and args[0].is_Rational:
        return args[0].floor() if isinstance(expr, sympy.floor) else args[0].ceiling()
    return expr.func(*args)  # anything else: sympy's own evaluation


def _unevaluated(func: Any, *args: Any) -> Any:
    """A node of ``func`` over ``args``, built as written: nothing combined or reordered."""
    if func is sympy.UnevaluatedExpr:  # never evaluates, and takes no ``evaluate`` flag
        return func(*args)
    return func(*args, evaluate=False)


@functools.cache
def formula(text: str) -> Formula:
    """Parse ``text`` once; later calls with the same text share the result."""
    tree = ast.parse(text, mode="eval")
    builder = _Builder(text)
    expr = builder.build(tree.body)
    names = [
        (node.col_offset, node.id)
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and node.id not in _FUNCTIONS
    ]
    symbols = tuple(dict.fromkeys(name for _, name in sorted(names)))
    return Formula(text, expr, frozenset(_tight_paths(expr, builder.tight_ids)), symbols)


def sum_formula(names: tuple[str, ...]) -> Formula:
    """``p_1 + p_5 + p_10``: a total over any number of terms, built directly rather than
    parsed, so that thousands of layers stay within the parser's nesting limits."""
    if len(names) < 2:
        return formula(names[0] if names else "0")
    expr = _unevaluated(sympy.Add, *(sympy.Symbol(name) for name in names))
    return Formula(" + ".join(names), expr, frozenset(), tuple(dict.fromkeys(names)))


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
            return _unevaluated(_FUNCTIONS[node.func.id], self.build(arg))
        raise ValueError(f"unsupported formula syntax in {self.text!r}: {ast.dump(node)}")

    def _binop(self, node: ast.BinOp) -> Any:
        # The left operands are walked in a loop and a run of * (or of + and -) is collected
        # into one n-ary node, built once: the total p_1 + p_3 + ... of a 1,000-layer network
        # nests one BinOp per term, too deep to recurse into and quadratic to rebuild per term.
        spine = [node]
        while isinstance(spine[-1].left, ast.BinOp) and not self._parenthesised(spine[-1].left):
            spine.append(spine[-1].left)
        chain = _Chain(self.build(spine[-1].left), self.tight_ids)
        for binop in reversed(spine):
            right = self.build(binop.right)
            if isinstance(binop.op, ast.Mult):
                chain.extend(sympy.Mul, right)
            elif isinstance(binop.op, ast.Div):  # a/b is a*b**-1, a node of its own
                chain.extend(None, _unevaluated(sympy.Pow, right, sympy.Integer(-1)))
            elif isinstance(binop.op, ast.Add | ast.Sub):
                if isinstance(binop.op, ast.Sub):
                    right = _unevaluated(sympy.Mul, sympy.Integer(-1), right)
                chain.extend(sympy.Add, right, tight=self._is_tight(binop))
            else:
                raise ValueError(f"unsupported operator in {self.text!r}")
        return chain.close()

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


class _Chain:
    """The operands of a left-associative run (a*b*c, a - b + c): one n-ary node, as written.

    ``extend(op, x)`` appends ``x`` while ``op`` continues the run; otherwise it closes the
    node so far, which becomes the first operand of a new one. ``op=None`` (division) always
    starts a new product of the node so far and ``x``, itself open to ``*`` after it.
    """

    def __init__(self, first: Any, tight_ids: set[int]) -> None:
        self.op: Any = None
        self.operands = [first]
        self.tight = False  # whether the last + or - of an open sum is written without spaces
        self.tight_ids = tight_ids

    def extend(self, op: Any, operand: Any, *, tight: bool = False) -> None:
        if op is None or op is not self.op:
            self.operands = [self.close()]
            self.op = op or sympy.Mul
        self.operands.append(operand)
        self.tight = tight

    def close(self) -> Any:
        if self.op is None:
            return self.operands[0]
        expr = _unevaluated(self.op, *self.operands)
        if self.tight:
            self.tight_ids.add(id(expr))
        return expr


def _tight_paths(expr: Any, ids: set[int], path: Path = ()) -> list[Path]:
    found = [path] if id(expr) in ids else []
    for index, arg in enumerate(expr.args):
        found.extend(_tight_paths(arg, ids, (*path, index)))
    return found
