"""Keras model code pasted as written, as keras.io's and TensorFlow's tutorials write it.

``model = keras.Sequential([keras.Input(shape=input_shape), layers.Conv2D(32, 3), ...])``, or
``model = models.Sequential()`` followed by ``model.add(layers.Conv2D(..., input_shape=(32,
32, 3)))``. The text is read with ``ast`` and never executed: constants assigned before the
model (``num_classes = 10``) are put in place of their names; imports and calls such as
``model.summary()`` are passed over; a layer argument that is not a literal is refused with
its line and column.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from ..deriving.spec import Architecture, LayerSpec, Shape
from ..errors import InputShapeError, SpecSyntaxError
from .boundary import check_expression, shorten
from .literals import Place, compiler_warnings_as_errors, dotted_name, layer_name, literal
from .shapes import check_shape

# What marks Keras code rather than a chain: a Sequential model or model.add(...).
KERAS_CODE = re.compile(r"\bSequential\s*\(|^\s*\w+\.add\s*\(", re.MULTILINE)
_INPUTS = ("Input", "InputLayer")
_PLACE = Place()


def parse_keras_code(text: str) -> Architecture:
    check_expression(text, "line 1, col 1")  # depth, operators, digits: before ast recurses
    try:
        with compiler_warnings_as_errors():
            tree = ast.parse(text)
        reader = _Reader(text)
        for statement in tree.body:
            reader.statement(statement)
    except SyntaxError as exc:
        where = _PLACE.at(exc.lineno or 1, exc.offset or 1)
        raise SpecSyntaxError(f"invalid Python: {exc.msg}", where) from None
    except ValueError as exc:  # ast refuses NUL characters
        raise SpecSyntaxError(f"not Python code: {exc}") from None
    except RecursionError:  # thousands of nested brackets: too deep a tree
        raise SpecSyntaxError("the code is nested too deeply") from None
    return reader.architecture()


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.constants: dict[str, ast.expr] = {}
        self.model: str | None = None
        self.layers: list[LayerSpec] = []
        self.input_shape: Shape | None = None

    def statement(self, node: ast.stmt) -> None:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            value = node.value
            if isinstance(target, ast.Name) and _sequential(value):
                assert isinstance(value, ast.Call)
                self.model = target.id
                self._sequential_layers(value)
            elif isinstance(target, ast.Name):  # a constant, in terms of earlier ones
                self.constants[target.id] = self._substituted(node.value)
            return
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            call = node.value
            owner = call.func.value if isinstance(call.func, ast.Attribute) else None
            if (
                isinstance(call.func, ast.Attribute)
                and call.func.attr == "add"
                and isinstance(owner, ast.Name)
                and owner.id == self.model
            ):
                if len(call.args) != 1 or call.keywords:
                    raise SpecSyntaxError("model.add takes one layer", _PLACE.of(call))
                self._item(call.args[0])
        # imports, model.summary(), model.compile(...), print(...): nothing to read

    def _sequential_layers(self, call: ast.Call) -> None:
        first = call.args[0] if call.args else _keyword(call, "layers")
        if first is None:
            return  # Sequential(): layers follow with model.add
        items = self._substituted(first)
        if not isinstance(items, ast.List | ast.Tuple):
            raise SpecSyntaxError(
                "Sequential takes a list of layers written out: [layers.Conv2D(...), ...]",
                _PLACE.of(first),
            )
        for item in items.elts:
            self._item(item)

    def _item(self, node: ast.expr) -> None:
        node = self._substituted(node)
        name = layer_name(node.func) if isinstance(node, ast.Call) else None
        if not isinstance(node, ast.Call) or name is None:
            raise SpecSyntaxError(
                f"{shorten(ast.unparse(node))!r} is not a layer: write layers.Name(arguments)",
                _PLACE.of(node),
            )
        kwargs = {str(k.arg): literal(k.value, _PLACE) for k in node.keywords if k.arg}
        args = tuple(literal(a, _PLACE) for a in node.args)
        where = _PLACE.of(node)
        if name in _INPUTS:
            self._input(_input_shape(args, kwargs), where)
            return
        if "input_shape" in kwargs:
            if self.layers or self.input_shape is not None:
                raise SpecSyntaxError("input_shape= belongs on the first layer only", where)
            self._input(kwargs.pop("input_shape"), where)
        text = ast.unparse(node)  # as written, with the constants' values in place
        self.layers.append(
            LayerSpec(
                name, args, tuple(kwargs.items()), None, text, node.lineno, node.col_offset + 1
            )
        )

    def _input(self, shape: Any, where: str) -> None:
        if self.input_shape is not None:
            raise SpecSyntaxError("the model has two inputs", where)
        if not isinstance(shape, tuple):
            raise SpecSyntaxError(f"Input needs shape=(...), got {shorten(repr(shape))}", where)
        try:
            self.input_shape = check_shape(shape)
        except InputShapeError as exc:
            raise exc.at(where) from None

    def _substituted(self, node: ast.expr) -> Any:
        """The node with each name of a constant assigned earlier replaced by its value."""
        constants = self.constants

        class Substitute(ast.NodeTransformer):
            def visit_Name(self, name: ast.Name) -> ast.AST:
                value = constants.get(name.id)
                return ast.copy_location(value, name) if value is not None else name

        return Substitute().visit(node)

    def architecture(self) -> Architecture:
        if self.model is None:
            raise SpecSyntaxError(
                "no model found: write model = keras.Sequential([...]) or model.add(...)"
            )
        if not self.layers:
            raise SpecSyntaxError("the Sequential model has no layers")
        return Architecture(tuple(self.layers), self.input_shape, "keras-code", framework="keras")


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _sequential(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and (dotted_name(node.func) or "").endswith("Sequential")


def _input_shape(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """keras.Input(shape=...), Input((28, 28, 1)), InputLayer(input_shape=...) or
    batch_shape=(None, 28, 28, 1), whose first size is the batch."""
    if "batch_shape" in kwargs and isinstance(kwargs["batch_shape"], tuple):
        return kwargs["batch_shape"][1:]
    return kwargs.get("shape", kwargs.get("input_shape", args[0] if args else None))
