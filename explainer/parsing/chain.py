"""Chain notation: layers joined by ``->``, ``→`` or newlines.

``input(1,28,28) -> Conv2d(1, 16, 5, padding=2) -> ReLU -> Flatten -> Linear(10) -> output``
and the course's ``input→FCwB(256)→Dropout(0.1)→FC(128)→tanh→Maxpool(3)→FC(3)→output``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..boundary import MAX_LAYERS, check_count
from ..errors import InputShapeError, SpecSyntaxError
from ..spec import Architecture, LayerSpec, Shape
from .literals import Place, parse_call
from .shapes import check_shape

_OPEN = {"(": ")", "[": "]"}
_CLOSE = {")": "(", "]": "["}


@dataclass(frozen=True)
class Segment:
    text: str
    line: int
    col: int


def parse_chain(text: str) -> Architecture:
    segments = split(text)
    check_count(len(segments), MAX_LAYERS + 2, "steps in the chain")  # + input and output
    input_shape: Shape | None = None
    layers: list[LayerSpec] = []
    for position, segment in enumerate(segments):
        place = Place(segment.line, segment.col)
        name, args, kwargs = parse_call(segment.text, place)
        marker = name.lower()
        if marker == "input":
            input_shape = _input_marker(position, args, kwargs, place)
            continue
        if marker == "output":
            _output_marker(position, len(segments), args, kwargs, place)
            continue
        if not layers and any(key == "input_shape" for key, _ in kwargs):
            # Keras's input_shape= on the first layer (the TensorFlow tutorials' way).
            given = dict(kwargs).pop("input_shape")
            if input_shape is not None:
                raise SpecSyntaxError(
                    "the input shape is given twice: input(...) and input_shape=",
                    f"line {place.line}, col {place.col}",
                )
            input_shape = _input_marker(0, (given,), (), place)
            kwargs = tuple((key, value) for key, value in kwargs if key != "input_shape")
        layers.append(LayerSpec(name, args, kwargs, None, segment.text, segment.line, segment.col))
    if not layers:
        raise SpecSyntaxError("the spec has no layers")
    return Architecture(tuple(layers), input_shape, "chain")


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
        elif char in _OPEN:
            self.stack.append((char, self.line, self.col))
        elif char in _CLOSE:
            self._close(char)
        elif not self.stack:
            separator = self._separator(i)
            if separator:
                self._cut(i, i + separator)
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
            self.segments.append(Segment(stripped, line, col))
            self.arrow = None
        self.start = resume

    def _place_of_end(self) -> str:
        return f"line {self.line}, col {self.col}"


def _position(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def format_chain(architecture: Architecture, arrow: str = " -> ") -> str:
    """The inverse of :func:`parse_chain`: ``parse_chain(format_chain(a))`` has the same layers."""
    parts = [_format_call(spec.call, spec.args, spec.kwargs) for spec in architecture.layers]
    if architecture.input_shape is not None:
        parts.insert(0, f"input({', '.join(map(str, architecture.input_shape))})")
    return arrow.join(parts)


def _format_call(
    call: str, args: tuple[object, ...], kwargs: tuple[tuple[str, object], ...]
) -> str:
    written = [repr(a) for a in args] + [f"{key}={value!r}" for key, value in kwargs]
    return f"{call}({', '.join(written)})" if written else call
