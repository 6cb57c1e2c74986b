"""A pasted PyTorch ``print(model)`` block, optionally followed by the ``forward`` method.

The layers are applied in the order ``forward`` calls them, not the order printed: modules
such as dropout and relu are defined once and called many times. ``forward`` is read with
``ast`` as data; nothing in it runs.
"""

from __future__ import annotations

import ast
import re
import textwrap

from ..boundary import (
    MAX_DEPTH,
    MAX_LAYERS,
    LimitError,
    check_count,
    check_expression,
    excerpt,
)
from ..errors import SpecSyntaxError
from ..spec import Architecture, LayerSpec
from .literals import Place, compiler_warnings_as_errors, dotted_name, literal, parse_call

_MODULE = re.compile(r"^(?P<indent>\s*)\((?P<name>[\w.]+)\):\s*(?P<rest>.*?)\s*$")
_HEADER = re.compile(r"^\s*[A-Za-z_][\w.]*\(\s*$")

# F.relu(x) and friends, as layers. Each maps to (layer name, names of the extra arguments).
_FUNCTIONAL: dict[str, tuple[str, tuple[str, ...]]] = {
    "relu": ("ReLU", ()),
    "sigmoid": ("Sigmoid", ()),
    "tanh": ("Tanh", ()),
    "softmax": ("Softmax", ("dim",)),
    "dropout": ("Dropout", ("p",)),
    "max_pool1d": ("MaxPool1d", ("kernel_size", "stride", "padding")),
    "max_pool2d": ("MaxPool2d", ("kernel_size", "stride", "padding")),
    "avg_pool1d": ("AvgPool1d", ("kernel_size", "stride", "padding")),
    "avg_pool2d": ("AvgPool2d", ("kernel_size", "stride", "padding")),
    "flatten": ("Flatten", ("start_dim", "end_dim")),
}
_FUNCTIONAL_OWNERS = ("F", "torch", "nn.functional", "torch.nn.functional")


def parse_pytorch_print(text: str) -> Architecture:
    lines = text.splitlines()
    forward_at = next(
        (i for i, line in enumerate(lines) if line.lstrip().startswith("def forward")), None
    )
    printout = _PrintOut(lines if forward_at is None else lines[:forward_at])
    if forward_at is None:
        order = [spec for name in printout.top for spec in printout.expand(name)]
        if not order:
            raise SpecSyntaxError("the print-out lists no layer")
        note = "no forward method given: the layers are applied in the order printed"
        return Architecture(tuple(order), None, "pytorch-print", (note,))
    layers = _Forward(printout, forward_at + 1).read(_method(lines[forward_at:]))
    if not layers:
        raise SpecSyntaxError("forward applies no layer", f"line {forward_at + 1}, col 1")
    return Architecture(tuple(layers), None, "pytorch-print")


def _method(lines: list[str]) -> list[str]:
    """The def line and its body: up to the first line indented no deeper than the def."""
    indent = len(lines[0]) - len(lines[0].lstrip())
    for end, line in enumerate(lines[1:], 1):
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            return lines[:end]
    return lines


class _PrintOut:
    """The modules of a print-out: leaves by attribute name, containers by their children."""

    def __init__(self, lines: list[str]) -> None:
        self.leaves: dict[str, LayerSpec] = {}
        self.containers: dict[str, tuple[str, ...]] = {}
        self.stack: list[tuple[str, list[str]]] = [("", [])]
        for number, raw in enumerate(lines, 1):
            self._line(raw.rstrip(), number)
        if len(self.stack) > 1:
            raise SpecSyntaxError(f"container ({self.stack[-1][0]}) is never closed with ')'")
        self.top = self.stack[0][1]

    def _line(self, line: str, number: int) -> None:
        match = _MODULE.match(line)
        if match is None:
            self._other(line, number)
            return
        name, rest = match["name"], match["rest"]
        parent = self.stack[-1]
        full = f"{parent[0]}.{name}" if parent[0] else name
        parent[1].append(full)
        if rest.endswith("("):  # a container such as Sequential(
            if len(self.stack) > MAX_DEPTH:  # expand() recurses once per level
                raise LimitError(f"containers nested more than {MAX_DEPTH} deep", f"line {number}")
            self.stack.append((full, []))
            return
        col = line.index(rest, len(match["indent"])) + 1
        call, args, kwargs = parse_call(rest, Place(number, col))
        self.leaves[full] = LayerSpec(call, args, kwargs, full, line.strip(), number, col)

    def _other(self, line: str, number: int) -> None:
        stripped = line.strip()
        if stripped == ")" and len(self.stack) > 1:
            name, children = self.stack.pop()
            self.containers[name] = tuple(children)
            return
        if not stripped or stripped == ")" or _HEADER.match(line):
            return
        raise SpecSyntaxError(
            f"cannot read {excerpt(stripped)}: "
            "expected '(name): Layer(...)' as print(model) writes it",
            f"line {number}, col {len(line) - len(line.lstrip()) + 1}",
        )

    def expand(self, name: str) -> list[LayerSpec]:
        """The leaves that calling module ``name`` applies, in order."""
        if name in self.leaves:
            return [self.leaves[name]]
        return [spec for child in self.containers[name] for spec in self.expand(child)]

    def __contains__(self, name: str) -> bool:
        return name in self.leaves or name in self.containers


class _Forward:
    """Follows one sequential data flow through ``forward``: x = f(g(x)); return h(x)."""

    def __init__(self, printout: _PrintOut, first_line: int) -> None:
        self.printout = printout
        self.first_line = first_line
        self.layers: list[LayerSpec] = []

    def read(self, lines: list[str]) -> list[LayerSpec]:
        source = textwrap.dedent("\n".join(line.rstrip() for line in lines))
        check_expression(source, f"line {self.first_line}, col 1")
        try:
            with compiler_warnings_as_errors():
                tree = ast.parse(source)
        except SyntaxError as exc:
            where = Place(self.first_line, 1).at(exc.lineno or 1, exc.offset or 1)
            raise SpecSyntaxError(f"forward is not valid Python: {exc.msg}", where) from None
        function = tree.body[0]
        assert isinstance(function, ast.FunctionDef)  # the text starts with "def forward"
        for statement in function.body:
            self._statement(statement)
        return self.layers

    def _place(self, node: ast.expr | ast.stmt) -> str:
        return f"line {self.first_line + node.lineno - 1}, col {node.col_offset + 1}"

    def _statement(self, node: ast.stmt) -> None:
        if isinstance(node, ast.Assign | ast.Return) and node.value is not None:
            self._expr(node.value)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            return  # a docstring
        else:
            raise SpecSyntaxError(
                "forward: only assignments and return are followed (one sequential data flow)",
                self._place(node),
            )

    def _expr(self, node: ast.expr) -> None:
        if isinstance(node, ast.Name):
            return  # the data flowing through: x
        if not isinstance(node, ast.Call):
            raise self._unsupported(node)
        func = node.func
        if isinstance(func, ast.Attribute) and dotted_name(func.value) == "self" and node.args:
            self._expr(node.args[0])
            self._module(func.attr, node)
        elif self._functional(func) is not None and node.args:
            self._expr(node.args[0])
            self._apply_functional(node)
        elif isinstance(func, ast.Attribute) and func.attr in ("view", "reshape", "flatten"):
            self._expr(func.value)
            self._reshape(func.attr, node)
        else:
            raise self._unsupported(node)

    def _module(self, attr: str, node: ast.Call) -> None:
        if attr not in self.printout:
            raise SpecSyntaxError(
                f"forward calls self.{attr}, which the print-out does not list", self._place(node)
            )
        self.layers.extend(self.printout.expand(attr))
        check_count(len(self.layers), MAX_LAYERS, "layers applied", self._place(node))

    def _functional(self, func: ast.expr) -> str | None:
        name = dotted_name(func)
        if name is None or "." not in name:
            return None
        owner, _, attr = name.rpartition(".")
        return attr if owner in _FUNCTIONAL_OWNERS and attr in _FUNCTIONAL else None

    def _apply_functional(self, node: ast.Call) -> None:
        attr = self._functional(node.func)
        assert attr is not None
        kind, names = _FUNCTIONAL[attr]
        place = Place(self.first_line, 1)
        extra = [literal(a, place) for a in node.args[1:]]
        if len(extra) > len(names):
            raise SpecSyntaxError(
                f"{excerpt(ast.unparse(node))}: too many arguments", self._place(node)
            )
        kwargs = dict(zip(names, extra, strict=False))
        for keyword in node.keywords:
            if keyword.arg in ("inplace", "training"):
                continue
            kwargs[str(keyword.arg)] = literal(keyword.value, place)
        self._add(kind, kwargs, node)

    def _reshape(self, method: str, node: ast.Call) -> None:
        # x.view(x.size(0), -1), x.view(-1, 400), x.flatten(1): all flatten after the batch.
        args = [ast.unparse(a) for a in node.args]
        flat_batch = (
            (method == "flatten" and args in (["1"], []))
            or (len(args) == 2 and args[1] == "-1" and args[0].endswith((".size(0)", ".shape[0]")))
            or (len(args) == 2 and args[0] == "-1")
        )
        if not flat_batch:
            raise self._unsupported(node)
        self._add("Flatten", {}, node)

    def _add(self, kind: str, kwargs: dict[str, object], node: ast.Call) -> None:
        text = ast.unparse(node)
        line = self.first_line + node.lineno - 1
        self.layers.append(
            LayerSpec(kind, (), tuple(kwargs.items()), text, text, line, node.col_offset + 1)
        )

    def _unsupported(self, node: ast.expr) -> SpecSyntaxError:
        return SpecSyntaxError(
            f"forward: cannot follow {excerpt(ast.unparse(node))}; write x = self.layer(x), "
            "F.relu(x), torch.flatten(x, 1) or x.view(x.size(0), -1)",
            self._place(node),
        )
