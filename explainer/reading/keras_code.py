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
from dataclasses import replace
from typing import Any

from ..boundary import check_expression, shorten
from ..deriving.spec import Architecture, Block, LayerSpec, Shape
from ..errors import InputShapeError, SpecSyntaxError
from .keras_used import named_in_blocks, used
from .literals import Place, compiler_warnings_as_errors, dotted_name, layer_name, literal
from .shapes import check_shape

# What marks Keras code rather than a chain: a Sequential model or model.add(...), or the
# functional API's keras.Model(inputs, outputs).
KERAS_CODE = re.compile(
    r"\bSequential\s*\(|^\s*\w+\.add\s*\(|^\s*\w+\s*=\s*(keras\.)?Model\s*\(", re.MULTILINE
)
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
        # The functional API: each tensor variable's node (0: the first keras.Input).
        self.tensors: dict[str, int] = {}
        # Nested Sequential models: blocks, and the path of the one being read.
        self.blocks: list[Block] = []
        self.prefix = ""
        self.nested = 0
        # The functional API: the order in which Keras makes each node's layer object (its
        # name is given then): layers.Dense(2)(layers.Dense(3)(x)) makes the outer one first.
        self.made: dict[int, int] = {0: 0}
        self.makes = 1
        self.output: tuple[int, str] | None = None  # keras.Model's output node, and where

    def statement(self, node: ast.stmt) -> None:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            value = node.value
            if isinstance(target, ast.Name) and _sequential(value):
                assert isinstance(value, ast.Call)
                self.model = target.id
                self._sequential_layers(value)
            elif isinstance(target, ast.Name) and _is_input(value):
                self.tensors[target.id] = self._functional_input(value)
            elif isinstance(target, ast.Name) and _applied(value):
                self.tensors[target.id] = self._apply(value)
            elif isinstance(target, ast.Name) and _functional_model(value):
                assert isinstance(value, ast.Call)
                self.model = target.id
                self._model_output(value)
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
        if name == "Sequential":  # a nested Sequential: its layers in place, as a block
            self._nested(node)
            return
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
        path = f"{self.prefix}{name}" if self.prefix else None  # inside a nested Sequential
        self.layers.append(
            LayerSpec(
                name, args, tuple(kwargs.items()), path, text, node.lineno, node.col_offset + 1
            )
        )

    def _nested(self, node: ast.Call) -> None:
        """keras.Sequential([...]) inside the model: named as Keras names it (its name=, else
        sequential, sequential_1, ... in the order the models are made: a nested one before
        the one around it), its layers read in place and counted as one block."""
        placeholder = f"\0{len(self.blocks)}\0"  # its name is known once its insides are read
        outer = self.prefix
        self.prefix = f"{outer}{placeholder}/"
        start, first_block = len(self.layers), len(self.blocks)
        self._sequential_layers(node)
        self.prefix = outer
        given = _keyword(node, "name")
        own = (
            given.value
            if isinstance(given, ast.Constant) and isinstance(given.value, str)
            else "sequential" + (f"_{self.nested}" if self.nested else "")
        )
        self.nested += 1
        path = f"{outer}{own}"

        def named(text: str) -> str:
            return text.replace(f"{outer}{placeholder}", path)

        for i in range(start, len(self.layers)):
            layer = self.layers[i]
            self.layers[i] = replace(layer, name=named(layer.name or ""))
        self.blocks[first_block:] = [
            replace(block, path=named(block.path)) for block in self.blocks[first_block:]
        ]
        self.blocks.insert(first_block, Block(path, "Sequential", line=node.lineno))

    # -- the functional API: inputs = keras.Input(...); x = layers.Dense(8)(inputs) ------------

    def _functional_input(self, node: ast.expr) -> int:
        """The first keras.Input is node 0; a further one is a node of its own (InputLayer)."""
        assert isinstance(node, ast.Call)
        kwargs = {str(k.arg): literal(k.value, _PLACE) for k in node.keywords if k.arg}
        args = tuple(literal(a, _PLACE) for a in node.args)
        where = _PLACE.of(node)
        if self.input_shape is None and not self.layers:
            self._input(_input_shape(args, kwargs), where)
            return 0
        shape = _input_shape(args, kwargs)
        try:
            sizes = check_shape(shape if isinstance(shape, tuple) else (shape,))
        except InputShapeError as exc:
            raise exc.at(where) from None
        self.made[len(self.layers) + 1] = self._make()
        self.layers.append(
            LayerSpec(
                "InputLayer",
                (),
                (("shape", sizes),),
                None,
                ast.unparse(node),
                node.lineno,
                node.col_offset + 1,
                input_shape=sizes,
                inputs=(),
            )
        )
        return len(self.layers)

    def _apply(self, node: ast.expr) -> int:
        """``layers.Conv2D(8, 3)(x)``, ``layers.Add()([x, y])``, ``MultiHeadAttention(2, 4)(q,
        v)``, nested as ``layers.Dense(2)(layers.Flatten()(x))``: a node reading its operands."""
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Call)
        if layer_name(node.func.func) == "Sequential":
            raise SpecSyntaxError(
                "a Sequential model called on a tensor is not read: write its layers out, "
                "each called on the one before",
                _PLACE.of(node),
            )
        made = self._make()  # Python makes the layer before it reads the operands
        sources: list[int] = []
        for operand in node.args:
            items = operand.elts if isinstance(operand, ast.List | ast.Tuple) else [operand]
            sources += [self._operand(item) for item in items]
        if not sources or node.keywords:
            raise SpecSyntaxError(
                "a layer is called on tensors written by name: layers.Dense(8)(x)",
                _PLACE.of(node),
            )
        self._item(node.func)
        number = len(self.layers)
        self.made[number] = made
        if sources != [number - 1]:
            self.layers[-1] = replace(self.layers[-1], inputs=tuple(sources))
        return number

    def _make(self) -> int:
        self.makes += 1
        return self.makes - 1

    def _operand(self, node: ast.expr) -> int:
        if isinstance(node, ast.Name) and node.id in self.tensors:
            return self.tensors[node.id]
        if _applied(node):
            return self._apply(node)
        raise SpecSyntaxError(
            f"{shorten(ast.unparse(node))!r} is no tensor made earlier: write keras.Input(...) "
            "or x = layers.Name(...)(inputs) before it",
            _PLACE.of(node),
        )

    def _model_output(self, call: ast.Call) -> None:
        """keras.Model(inputs, outputs): the one output, whatever was written after it."""
        outputs = call.args[1] if len(call.args) > 1 else _keyword(call, "outputs")
        if outputs is None:
            raise SpecSyntaxError("keras.Model takes (inputs, outputs)", _PLACE.of(call))
        if _applied(outputs):
            self.output = (self._apply(outputs), _PLACE.of(outputs))
            return
        if not isinstance(outputs, ast.Name) or outputs.id not in self.tensors:
            raise SpecSyntaxError(
                "keras.Model's outputs must be one tensor made earlier", _PLACE.of(outputs)
            )
        self.output = (self.tensors[outputs.id], _PLACE.of(outputs))

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
        written = Architecture(
            tuple(self.layers),
            self.input_shape,
            "keras-code",
            framework="keras",
            blocks=tuple(self.blocks),
        )
        if self.blocks:
            written = named_in_blocks(written)
        if self.output is None:
            return written
        return used(written, *self.output, self.made)


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _is_input(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and layer_name(node.func) in _INPUTS


def _applied(node: ast.expr) -> bool:
    """``layers.Dense(8)(x)``: a layer made and called in one expression."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Call)
        and layer_name(node.func.func) is not None
    )


def _functional_model(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and (dotted_name(node.func) or "").split(".")[-1] == "Model"


def _sequential(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and (dotted_name(node.func) or "").endswith("Sequential")


def _input_shape(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """keras.Input(shape=...), Input((28, 28, 1)), InputLayer(input_shape=...) or
    batch_shape=(None, 28, 28, 1), whose first size is the batch."""
    if "batch_shape" in kwargs and isinstance(kwargs["batch_shape"], tuple):
        return kwargs["batch_shape"][1:]
    return kwargs.get("shape", kwargs.get("input_shape", args[0] if args else None))
