"""What the parsers produce: pure data, no sympy, no knowledge of layer kinds.

The graph model, shared by every framework (PyTorch print-outs, chain notation, Keras):
an :class:`Architecture` is a directed acyclic graph of nodes, listed in an order where every
node comes after the nodes it reads (a topological order). Node ``k`` (1-based, as layers are
numbered in a worked solution) is ``layers[k - 1]``; node 0 is the network's input. A node's
``inputs`` name the nodes whose outputs it takes, in order: ``(3, 5)`` for ``Add`` of the
outputs of nodes 3 and 5. ``inputs=None`` means "the node before": a chain, as written, is a
graph where every node reads its predecessor, so chains need no edges at all. The network's
output is the last node. Merges (``Add``, ``Concat``) are nodes with several inputs; tensor
operations (``Mean``, ``Slice``, ``Permute``, ``Reshape``) are nodes with one, like any layer.

``blocks`` keep the hierarchy a print-out shows (Sequential, ModuleList, a user's own block):
each node's ``name`` is its dotted module path, and a block repeated ``times`` times (printed
``(0-11): 12 x GPT2Block(``) lists the nodes of one copy once; the solver multiplies out.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import field, replace
from typing import Any

from ..records import record

Shape = tuple[int, ...]


@record
class Note:
    """A line of words whose counts are fields (``"{count} parameters are frozen"``), with the
    integers that fill them. The renderer fills them, grouping digits as ``--digits`` says
    (394,240 or 3,94,240): the solver words the line but never formats a count."""

    text: str
    numbers: tuple[tuple[str, int], ...] = ()

    def __post_init__(self) -> None:
        fields = {name for _, name, _, _ in string.Formatter().parse(self.text) if name}
        if fields != {name for name, _ in self.numbers}:
            raise ValueError(f"note fields {sorted(fields)} != numbers {self.numbers}")

    def words(self, number: Callable[[int], str]) -> str:
        """The line, each count written by ``number`` (a renderer's digit-grouping filter)."""
        return self.text.format(**{name: number(value) for name, value in self.numbers})


@record
class LayerSpec:
    """One layer as written: ``FCwB(256)`` or ``(cnn_layer_1): Conv2d(1, 16, ...)``."""

    call: str  # the layer name as written: "FCwB", "Conv2d", "relu"
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()
    name: str | None = None  # the attribute name of a PyTorch print-out (cnn_layer_1)
    text: str = ""  # the source text of the layer, for messages
    line: int = 1
    col: int = 1
    # The shape that really reaches this layer, when known (a live model's residual branches);
    # None: the previous layer's output, as in any written chain.
    input_shape: Shape | None = None
    # The nodes whose outputs this node takes (0: the network's input); None: the node before.
    inputs: tuple[int, ...] | None = None
    # False for a module that a print-out lists but whose place in the data flow is unknown
    # (no forward given, outside any Sequential): its count is derived, its shape is not.
    placed: bool = True
    # A live model's facts, read from PyTorch (0 and "" for a written spec): parameters of this
    # layer already counted at an earlier row (a module called again, a tied weight), where,
    # and how many of the rest are frozen (requires_grad=False).
    shared: int = 0
    shared_with: str = ""
    frozen: int = 0
    # Not a step of the forward pass (a tensor a module holds, a layer forward never called):
    # counted, but no stage of the shape diagram.
    off_path: bool = False
    # With input_shape, a live model's own shapes of the further inputs, in the order the
    # layer takes them: a Keras Add of branches, MultiHeadAttention(query, value).
    other_inputs: tuple[Shape, ...] = ()

    @property
    def where(self) -> str:
        return f"line {self.line}, col {self.col}"


@record
class LayerCall:
    """A layer written as an argument of another: ``Bidirectional(LSTM(64))``. Pure data."""

    call: str
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()

    def __repr__(self) -> str:  # chain notation, so that format_chain round-trips
        written = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs]
        return f"{self.call}({', '.join(written)})"


@record
class SizeOf:
    """``x.shape[-1]`` or ``x.size(2)`` written as an argument: the size of dimension ``dim``
    (PyTorch's numbering, the batch is 0) of the tensor node ``node`` gives. Pure data: the
    solver puts in the number once the shape is known."""

    node: int
    dim: int

    def __repr__(self) -> str:
        return f"shape[{self.dim}]"


@record
class Block:
    """A container of a print-out: ``(layer1): Sequential(``, ``(0-11): 12 x GPT2Block(``."""

    path: str  # dotted module path: "h.0-11"
    type: str  # "Sequential", "GPT2Block"
    times: int = 1  # a printed repeat: 12 identical copies
    line: int = 1


@record
class Architecture:
    """An input shape (without the batch dimension) and the layers in the order applied."""

    layers: tuple[LayerSpec, ...]
    input_shape: Shape | None = None
    notation: str = "chain"  # chain | course | pytorch-print
    notes: tuple[str | Note, ...] = field(default=())  # a Note where a line has counts
    framework: str = "pytorch"  # whose layer names, shapes and counting rules: pytorch | keras
    blocks: tuple[Block, ...] = ()  # the print-out's containers, outermost first

    def with_input(self, shape: Shape | None) -> Architecture:
        return self if shape is None else replace(self, input_shape=shape)

    def with_framework(self, framework: str) -> Architecture:
        return replace(self, framework=framework)


@record
class SizeName:
    """A size written as a name (``Linear(h)``, ``input(3, W, W)``): left unknown, so that the
    solution is a formula in it (explainer.deriving.symbolic). Pure data, like every argument."""

    name: str

    def __repr__(self) -> str:  # chain notation, so that format_chain round-trips
        return self.name


# The name of every open size starts so: no name a user writes can (it is no identifier).
OPEN = "None·"


class OpenSize(SizeName):
    """A size Keras leaves ``None`` beyond the batch (``keras.Input(shape=(None,))``: any
    length). Solved as a size of its own, shown as ``None``; a count that depends on it is
    refused. ``name`` is ``OPEN`` and its place, so that two open sizes stay two sizes."""

    def __repr__(self) -> str:
        return "None"


def open_size(place: str) -> OpenSize:
    return OpenSize(OPEN + place)
