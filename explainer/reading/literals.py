"""Reading layer calls written as Python syntax, without ever executing them.

``ast.parse`` gives the syntax tree; only literals (and integer arithmetic on them, such as
LeNet's ``16*5*5``) are accepted as values. Anything else, ``__import__('os')`` included,
is a syntax error of the spec, never a call.
"""

from __future__ import annotations

import ast
import contextlib
import math
import operator
import warnings
from collections.abc import Callable, Iterator
from typing import Any

from ..boundary import MAX_TUPLE, LimitError, check_expression, check_integer, excerpt
from ..deriving.spec import LayerCall, SizeName
from ..errors import SpecSyntaxError
from ..records import record

_INT_OPS: dict[type[ast.operator], Callable[[int, int], int]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv,
}

_PREFIXES = (
    "torch.nn.",
    "nn.",
    "tf.keras.layers.",
    "keras.layers.",
    "layers.",
    "keras.",
    "tf.keras.",
)


def literal(node: ast.expr, place: Place) -> Any:
    """The value of a literal node; tuples and lists come back as tuples."""
    if isinstance(node, ast.Constant) and not isinstance(node.value, bytes | complex):
        return _finite(node.value, node, place)
    if isinstance(node, ast.Tuple | ast.List):
        if len(node.elts) > MAX_TUPLE:
            raise LimitError(
                f"a tuple of {len(node.elts):,} items; at most {MAX_TUPLE}", place.of(node)
            )
        return tuple(literal(item, place) for item in node.elts)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = literal(node.operand, place)
        if type(value) in (int, float):
            return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in _INT_OPS:
        left, right = literal(node.left, place), literal(node.right, place)
        if type(left) is int and type(right) is int:
            if isinstance(node.op, ast.FloorDiv) and right == 0:
                raise SpecSyntaxError(f"{ast.unparse(node)!r} divides by zero", place.of(node))
            value = _INT_OPS[type(node.op)](left, right)
            return check_integer(
                value, f"the value of {excerpt(ast.unparse(node))}", place.of(node)
            )
    if isinstance(node, ast.Name):  # a named size: Linear(h), input(3, W, W)
        return SizeName(node.id)
    if isinstance(node, ast.Call) and layer_name(node.func) is not None:
        return _nested_call(node, place)  # Bidirectional(LSTM(64)): data, never called
    raise SpecSyntaxError(
        f"{excerpt(ast.unparse(node))} is not a literal: only numbers, strings, True/False/None, "
        "tuples of them and layers such as LSTM(64) are allowed",
        place.of(node),
    )


def _finite(value: Any, node: ast.expr, place: Place) -> Any:
    """A number that JSON and every output can carry: no inf (1e400), no 5000-digit integer."""
    if isinstance(value, float) and not math.isfinite(value):
        raise SpecSyntaxError(
            # ast.unparse would print inf as 1e309, a number the user never wrote
            "a number beyond a float's range (about 1.8e308) is not a finite number",
            place.of(node),
        )
    if type(value) is int:
        check_integer(value, "an integer", place.of(node))
    return value


def _nested_call(node: ast.Call, place: Place) -> LayerCall:
    name = layer_name(node.func)
    assert name is not None
    if any(isinstance(a, ast.Starred) for a in node.args) or any(
        k.arg is None for k in node.keywords
    ):
        raise SpecSyntaxError(
            f"{excerpt(ast.unparse(node))}: * and ** arguments are not allowed", place.of(node)
        )
    args = tuple(literal(a, place) for a in node.args)
    kwargs = tuple((str(k.arg), literal(k.value, place)) for k in node.keywords)
    return LayerCall(name, args, kwargs)


@record
class Place:
    """Where a parsed snippet starts in the user's text, to turn ast offsets into places."""

    line: int = 1
    col: int = 1

    def of(self, node: ast.expr | ast.keyword) -> str:
        line = self.line + node.lineno - 1
        col = (self.col + node.col_offset) if node.lineno == 1 else node.col_offset + 1
        return f"line {line}, col {col}"

    def at(self, lineno: int, offset: int) -> str:
        line = self.line + lineno - 1
        col = (self.col + offset - 1) if lineno == 1 else offset
        return f"line {line}, col {col}"


def dotted_name(node: ast.expr) -> str | None:
    """``nn.Conv2d`` -> ``"nn.Conv2d"``; None for anything that is not a plain dotted name."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = dotted_name(node.value)
        return f"{head}.{node.attr}" if head else None
    return None


def layer_name(node: ast.expr) -> str | None:
    """The layer's name without a framework prefix (``torch.nn.Conv2d`` -> ``Conv2d``)."""
    name = dotted_name(node)
    if name is None:
        return None
    for prefix in _PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name if "." not in name else None


@record
class Ref:
    """A bare name written as a positional argument, ``Add(x, input)``: a node of the graph."""

    name: str
    place: str


def parse_call(
    text: str, place: Place, *, refs: bool = False
) -> tuple[str, tuple[Any, ...], tuple[tuple[str, Any], ...]]:
    """``Conv2d(1, 16, kernel_size=5)`` -> the name, positional and keyword arguments.

    ``text`` must start at ``place`` (no leading blanks); errors name the line and column.
    With ``refs``, a bare name among the positional arguments is a :class:`Ref` to a node.
    """
    check_expression(text, place.at(1, 1))
    try:
        with compiler_warnings_as_errors():
            tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise SpecSyntaxError(
            f"invalid syntax in {excerpt(text)}: {exc.msg}",
            place.at(exc.lineno or 1, exc.offset or 1),
        ) from None
    except RecursionError:  # 1*1*...*1 thousands of times: too deep a tree to build
        raise _too_deep(text, place) from None
    node = tree.body
    call_node = node if isinstance(node, ast.Call) else None
    name = layer_name(call_node.func if call_node else node)
    if name is None:
        raise SpecSyntaxError(
            f"{excerpt(text)} is not a layer: write Name or Name(arguments), "
            "with literal arguments",
            place.of(node),
        )
    if call_node is None:
        return name, (), ()
    for bad in [a for a in call_node.args if isinstance(a, ast.Starred)] + [
        k for k in call_node.keywords if k.arg is None
    ]:
        raise SpecSyntaxError(f"{excerpt(text)}: * and ** arguments are not allowed", place.of(bad))
    try:
        args = tuple(
            Ref(a.id, place.of(a)) if refs and isinstance(a, ast.Name) else literal(a, place)
            for a in call_node.args
        )
        kwargs = _keywords(call_node, text, place)
    except RecursionError:  # a thousand times: too deep a tree to walk
        raise _too_deep(text, place) from None
    return name, args, tuple(kwargs.items())


def _too_deep(text: str, place: Place) -> SpecSyntaxError:
    return SpecSyntaxError(f"{text[:30]!r}...: an argument is nested too deeply", place.at(1, 1))


def _keywords(call_node: ast.Call, text: str, place: Place) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    for keyword in call_node.keywords:
        key = str(keyword.arg)
        if key in kwargs:
            raise SpecSyntaxError(
                f"keyword argument {key!r} repeated in {excerpt(text)}", place.of(keyword)
            )
        kwargs[key] = literal(keyword.value, place)
    return kwargs


@contextlib.contextmanager
def compiler_warnings_as_errors() -> Iterator[None]:
    """Make the compiler's warnings (``5if``, an invalid escape) syntax errors, so that the
    user sees one error with its place and never a stray warning line on stderr."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", SyntaxWarning)
        warnings.simplefilter("error", DeprecationWarning)
        yield
