"""Chain notation: layers joined by ``->``, ``→`` or newlines.

``input(1,28,28) -> Conv2d(1, 16, 5, padding=2) -> ReLU -> Flatten -> Linear(10) -> output``
and the course's ``input→FCwB(256)→Dropout(0.1)→FC(128)→tanh→Maxpool(3)→FC(3)→output``.

Branches, for graphs written by hand. A line (or ``;``-separated statement) may start with a
label, ``x = ...``: the label names the last layer of that statement. A statement may start
from a named node, ``b = input -> Conv2d(96, 1)``; otherwise it continues from the layer
before, as a chain does. A merge names its inputs: ``Add(x, input)``, ``Concat(a, b, c)``. A
ResNet basic block:

    input(64, 56, 56)
    x = Conv2d(64, 3, padding=1) -> BatchNorm2d -> ReLU -> Conv2d(64, 3, padding=1) -> BatchNorm2d
    Add(x, input) -> ReLU
"""

from __future__ import annotations

import re
from typing import Any

from ..boundary import MAX_LAYERS, LimitError
from ..deriving.spec import Architecture, LayerSpec, Shape, SizeName
from ..errors import InputShapeError, SpecSyntaxError
from ..records import record
from .literals import Place, Ref, parse_call
from .shapes import check_shape

_LABEL = re.compile(r"([A-Za-z_]\w*)\s*=(?!=)\s*", re.ASCII)
_BARE = re.compile(r"[A-Za-z_]\w*", re.ASCII)

_OPEN = {"(": ")", "[": "]"}
_CLOSE = {")": "(", "]": "["}


@record
class Segment:
    text: str
    line: int
    col: int
    starts: bool = True  # the first of a statement: after a new line or ';', not an arrow


def parse_chain(text: str) -> Architecture:
    segments = split(text)  # at most MAX_LAYERS layers + input and output
    reader = _Reader(len(segments))
    for position, segment in enumerate(segments):
        reader.segment(position, segment)
    reader.finish_statement()
    if not reader.layers:
        raise SpecSyntaxError("the spec has no layers")
    return Architecture(tuple(reader.layers), reader.input_shape, "chain")


class _Reader:
    """Nodes in the order written; labels name nodes; ``current`` is what the next one reads."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.input_shape: Shape | None = None
        self.layers: list[LayerSpec] = []
        self.names: dict[str, int] = {"input": 0}
        self.current = 0
        self.label: tuple[str, str] | None = None  # the statement's label and its place

    def segment(self, position: int, segment: Segment) -> None:
        text, line, col = segment.text, segment.line, segment.col
        if segment.starts:
            self.finish_statement()
            label = _LABEL.match(text)
            if label is not None and position > 0:
                self.label = (label[1], f"line {line}, col {col}")
                col += label.end()
                text = text[label.end() :]
                if not text:
                    raise SpecSyntaxError(f"{label[1]} = names nothing", self.label[1])
        place = Place(line, col)
        if position > 0 and _BARE.fullmatch(text) and text in self.names:
            self.current = self.names[text]  # a branch starts from a named node
            return
        name, args, kwargs = parse_call(text, place, refs=True)
        # A bare name that labels no layer is a named size (Linear(h), input(3, W, W)), unless
        # the call names layers too (Add(x, input)): then it is a layer not yet labelled.
        if not any(isinstance(a, Ref) and a.name in self.names for a in args):
            args = tuple(SizeName(a.name) if isinstance(a, Ref) else a for a in args)
        marker = name.lower()
        if marker == "input" and not (position > 0 and not args and not kwargs):
            self.input_shape = _input_marker(position, args, kwargs, place)
            return
        if marker == "output":
            _output_marker(position, self.count, args, kwargs, place)
            return
        sources = tuple(self._node(a) for a in args if isinstance(a, Ref))
        args = tuple(a for a in args if not isinstance(a, Ref))
        if not self.layers and any(key == "input_shape" for key, _ in kwargs):
            kwargs = self._input_shape_argument(kwargs, place)
        number = len(self.layers) + 1
        reads_previous = not sources and self.current == number - 1
        inputs = None if reads_previous else (sources or (self.current,))
        self.layers.append(LayerSpec(name, args, kwargs, None, text, line, col, inputs=inputs))
        self.current = number

    def _input_shape_argument(
        self, kwargs: tuple[tuple[str, Any], ...], place: Place
    ) -> tuple[tuple[str, Any], ...]:
        """Keras's input_shape= on the first layer (the TensorFlow tutorials' way)."""
        if self.input_shape is not None:
            raise SpecSyntaxError(
                "the input shape is given twice: input(...) and input_shape=",
                f"line {place.line}, col {place.col}",
            )
        self.input_shape = _input_marker(0, (dict(kwargs)["input_shape"],), (), place)
        return tuple((key, value) for key, value in kwargs if key != "input_shape")

    def _node(self, ref: Ref) -> int:
        if ref.name not in self.names:
            raise SpecSyntaxError(
                f"{ref.name!r} names no earlier layer: label one first, {ref.name} = Layer(...)",
                ref.place,
            )
        return self.names[ref.name]

    def finish_statement(self) -> None:
        if self.label is None:
            return
        name, where = self.label
        self.label = None
        if name in self.names:
            raise SpecSyntaxError(f"{name!r} already names a layer; choose another name", where)
        if self.current == 0:
            raise SpecSyntaxError(f"{name} = names no layer", where)
        self.names[name] = self.current


def _input_marker(
    position: int, args: tuple[object, ...], kwargs: tuple[tuple[str, object], ...], place: Place
) -> Shape | None:
    where = f"line {place.line}, col {place.col}"
    if position != 0:
        raise SpecSyntaxError("'input' can only be the first element of the chain", where)
    given = dict(kwargs)
    given.pop("dtype", None)  # Keras's Input(shape=..., dtype="int32"): no size in it
    batch = given.get("batch_shape")
    if isinstance(batch, tuple) and batch and not args:
        del given["batch_shape"]
        args = (batch[1:],)  # its first size is the batch, which shapes here leave out
    shape = given.pop("shape", None)
    if shape is not None and args:
        raise SpecSyntaxError("give the sizes or shape=, not both", where)
    if shape is not None:
        # Keras's Input(shape=(28, 28, 1)) has no batch size: a None in it is a size.
        sizes = shape if isinstance(shape, tuple) else (shape,)
        return _checked(sizes, given, where)
    if given:
        raise SpecSyntaxError(
            "input(...) takes the sizes only, e.g. input(1, 28, 28), or Keras's "
            "Input(shape=(28, 28, 1))",
            where,
        )
    if not args:
        return None
    sizes = args[0] if len(args) == 1 and isinstance(args[0], tuple) else args
    if len(sizes) > 1 and sizes[0] is None:
        sizes = sizes[1:]  # Keras's (None, 28, 28, 1): the batch, which shapes here leave out
    try:
        return check_shape(tuple(sizes))
    except InputShapeError as exc:
        raise exc.at(where) from None


def _checked(sizes: tuple[object, ...], rest: dict[str, object], where: str) -> Shape:
    if rest:
        raise SpecSyntaxError(f"Input takes shape= (and dtype=) only, got {sorted(rest)}", where)
    try:
        return check_shape(sizes)
    except InputShapeError as exc:
        raise exc.at(where) from None


def _output_marker(
    position: int, count: int, args: tuple[object, ...], kwargs: object, place: Place
) -> None:
    if position != count - 1 or args or kwargs:
        raise SpecSyntaxError(
            "'output' can only end the chain, without arguments",
            f"line {place.line}, col {place.col}",
        )


def split(text: str) -> list[Segment]:
    """Cut at top-level separators, keeping each segment's line and column (1-based)."""
    scanner = _Scanner(text)
    scanner.run()
    return scanner.segments


class _Scanner:
    """One pass over the text, tracking brackets and strings so that separators inside a call
    (a tuple spanning lines, an arrow inside a string) do not cut it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.segments: list[Segment] = []
        self.stack: list[tuple[str, int, int]] = []  # open bracket, line, col
        self.quote: str | None = None
        self.start = 0
        self.line, self.col = 1, 1
        self.starts = True  # the next segment starts a statement
        self.arrow: tuple[int, int] | None = None  # the last arrow with no step after it yet

    def run(self) -> None:
        i = 0
        while i < len(self.text):
            i = self._step(i)
        if self.quote:
            raise SpecSyntaxError("unterminated string", self._place_of_end())
        if self.stack:
            bracket, line, col = self.stack[-1]
            raise SpecSyntaxError(
                f"unbalanced parentheses: {bracket!r} is never closed", f"line {line}, col {col}"
            )
        self._cut(len(self.text), len(self.text))
        if self.arrow is not None:
            raise SpecSyntaxError(
                "the chain ends with an arrow: a layer must follow it", self._where(self.arrow)
            )

    def _arrow(self, separator: str) -> None:
        """Two arrows with nothing between them (or one first or last) are an empty step."""
        if separator not in ("->", "→"):
            return
        if self.arrow is not None or not self.segments:
            raise SpecSyntaxError(
                "an empty step: an arrow needs a layer on each side",
                f"line {self.line}, col {self.col}",
            )
        self.arrow = (self.line, self.col)

    @staticmethod
    def _where(place: tuple[int, int]) -> str:
        return f"line {place[0]}, col {place[1]}"

    def _step(self, i: int) -> int:
        char = self.text[i]
        if self.quote:
            if char == "\\":
                return self._advance(i, 2)
            if char == self.quote:
                self.quote = None
        elif char in "'\"":
            self.quote = char
        elif char == "#" and self.stack:  # a comment inside a call: its brackets do not count
            end = self.text.find("\n", i)
            return self._advance(i, (len(self.text) if end < 0 else end) - i)
        elif char in _OPEN:
            self.stack.append((char, self.line, self.col))
        elif char in _CLOSE:
            self._close(char)
        elif not self.stack:
            separator = self._separator(i)
            if separator:
                self._cut(i, i + separator)
                if self.text[i] in "\n;":
                    self.starts = True
                elif self.text[i] != "#":
                    self.starts = False
                self._arrow(self.text[i : i + separator])
                return self._advance(i, separator)
        return self._advance(i, 1)

    def _close(self, char: str) -> None:
        if not self.stack or self.stack[-1][0] != _CLOSE[char]:
            raise SpecSyntaxError(
                f"unbalanced parentheses: {char!r} has no matching {_CLOSE[char]!r}",
                f"line {self.line}, col {self.col}",
            )
        self.stack.pop()

    def _separator(self, i: int) -> int:
        if self.text.startswith("->", i):
            return 2
        if self.text[i] in "→\n;":
            return 1
        if self.text[i] == "#":  # a comment runs to the end of the line
            end = self.text.find("\n", i)
            return (len(self.text) if end < 0 else end) - i
        return 0

    def _advance(self, i: int, n: int) -> int:
        for char in self.text[i : i + n]:
            self.line, self.col = (self.line + 1, 1) if char == "\n" else (self.line, self.col + 1)
        return i + n

    def _cut(self, end: int, resume: int) -> None:
        raw = self.text[self.start : end]
        stripped = raw.strip()
        if stripped:
            offset = len(raw) - len(raw.lstrip())
            line, col = _position(self.text, self.start + offset)
            self.segments.append(Segment(stripped, line, col, self.starts))
            self.arrow = None
            # Each cut looks back over the text for its column: stop at the limit, not after.
            if len(self.segments) > MAX_LAYERS + 2:  # + input(...) and output
                raise LimitError(
                    f"more than {MAX_LAYERS:,} layers in the chain", f"line {line}, col {col}"
                )
        self.start = resume

    def _place_of_end(self) -> str:
        return f"line {self.line}, col {self.col}"


def _position(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def format_chain(architecture: Architecture, arrow: str = " -> ") -> str:
    """The inverse of :func:`parse_chain`: ``parse_chain(format_chain(a))`` has the same layers."""
    if any(spec.inputs is not None for spec in architecture.layers):
        return _format_graph(architecture)
    parts = [_format_call(spec.call, spec.args, spec.kwargs) for spec in architecture.layers]
    if architecture.input_shape is not None:
        parts.insert(0, f"input({', '.join(map(str, architecture.input_shape))})")
    return arrow.join(parts)


def _format_graph(architecture: Architecture) -> str:
    """A graph, one statement a line: ``n3 = input -> Conv2d(...)``, ``Add(n3, input)``; a
    node gets a label when a later one reads it out of turn."""
    read = {i for spec in architecture.layers if spec.inputs for i in spec.inputs}
    lines = []
    if architecture.input_shape is not None:
        lines.append(f"input({', '.join(map(str, architecture.input_shape))})")
    for number, spec in enumerate(architecture.layers, 1):
        call = _format_call(spec.call, spec.args, spec.kwargs)
        sources = spec.inputs
        if sources is not None and len(sources) > 1:
            names = ", ".join(_node_name(i) for i in sources)
            inner = call[len(spec.call) + 1 : -1] if call.endswith(")") else ""
            call = f"{spec.call}({names}{', ' + inner if inner else ''})"
        elif sources is not None:
            call = f"{_node_name(sources[0])} -> {call}"
        lines.append(f"{_node_name(number)} = {call}" if number in read else call)
    return "\n".join(lines)


def _node_name(number: int) -> str:
    return "input" if number == 0 else f"n{number}"


def _format_call(
    call: str, args: tuple[object, ...], kwargs: tuple[tuple[str, object], ...]
) -> str:
    written = [repr(a) for a in args] + [f"{key}={value!r}" for key, value in kwargs]
    return f"{call}({', '.join(written)})" if written else call
