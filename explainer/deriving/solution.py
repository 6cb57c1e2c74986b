"""What solving gives: pure data, the results of every layer and block and the total.

:func:`explainer.deriving.solve.solve` builds them; the cost steps (:mod:`.costs`), the other
framework's count (:mod:`.compare`) and every renderer read them. Nothing here derives or
formats anything.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..records import record
from .layers import ALIASES, Alias
from .layers.base import Comparison, Layer
from .spec import Block, LayerSpec, Note, Shape
from .steps import Step

_COURSE_ALIASES = {name.lower(): alias for name, alias in ALIASES.items()}  # any case: fcwb


@record
class LayerCosts:
    """The steps for one layer; None where a quantity was not asked for (or is zero MACs)."""

    macs: Step | None = None
    flops: Step | None = None
    param_bytes: Step | None = None
    output_bytes: Step | None = None
    no_macs_why: str = ""


@record
class BlockResult:
    number: int  # 1-based, in the order printed
    block: Block
    depth: int  # 1 for a child of the model itself
    parent: str  # the path of the block around it; "" for the model
    steps: tuple[Step, ...]  # one copy = the sum of its children; then times · one copy

    @property
    def params(self) -> int:
        return self.steps[-1].value

    @property
    def path(self) -> str:
        return self.block.path

    @property
    def type(self) -> str:
        return self.block.type


@record
class LayerResult:
    index: int
    name: str  # attribute name (cnn_layer_1) or the name as written (FCwB)
    spec: LayerSpec
    layer: Layer
    input_shape: Shape
    output_shape: Shape
    params: int
    trainable_params: int
    steps: tuple[Step, ...]
    shape_why: str
    params_why: str
    params_step: Step | None = (
        None  # the step that derives the count; None for layers without weights
    )
    # MACs, FLOPs, memory: only when asked for (explainer.deriving.costs)
    costs: LayerCosts | None = None
    comparison: Comparison | None = None  # the other framework's count: explainer.deriving.compare
    # The nodes whose outputs it takes: 0 the input, k layer k (a chain: the layer before).
    inputs: tuple[int, ...] = ()
    # False: a print-out's module whose input is unknown (no forward): counted, not shaped.
    placed: bool = True

    input_shapes: tuple[Shape, ...] = ()  # one per input: a merge has several
    copies: int = 1  # inside a printed repeat (12 x GPT2Block): the model holds 12 of it
    course: bool = False  # in a spec of the course notation: named as written (FCwB-1)

    @property
    def type(self) -> str:
        return self.layer.type_name()

    @property
    def shown_type(self) -> str:
        """What tables and pictures call it: the class (Linear), or in the course notation
        the name the student wrote (FCwB, Maxpool, tanh)."""
        return self.name if self.course else self.type

    @property
    def label(self) -> str:
        """Its name in the summary table and the pictures: Linear-1, or FCwB-1."""
        return f"{self.shown_type}-{self.index}"

    @property
    def course_alias(self) -> bool:
        """A course name (FCwB, FC, Maxpool) in a course-notation spec: the solution says once,
        for all such layers, what it stands for in PyTorch."""
        return self.course and self.spec.call.lower() in _COURSE_ALIASES

    @property
    def reads_previous(self) -> bool:
        """It takes the output of the layer before it and nothing else, as in a chain."""
        return self.inputs == (self.index - 1,)

    @property
    def restates_call(self) -> bool:
        """Whether the row spells out the call it stands for (FCwB(256) means Linear(...)):
        not for a module a live model's PyTorch counted, which has no call to spell out, nor
        for a course name, which the solution's list of PyTorch equivalents spells out."""
        return self.spec.call not in (self.type, "Counted") and not self.course_alias

    @property
    def non_trainable_params(self) -> int:
        return self.params - self.trainable_params

    @property
    def args(self) -> dict[str, Any]:
        return self.layer.torch_args()


@record
class Solution:
    input_shape: Shape
    layers: tuple[LayerResult, ...]
    total: Step
    notation: str
    notes: tuple[str | Note, ...]  # a Note where a line has counts, which templates group
    framework: str = "pytorch"
    title: str = ""  # the bank example's title, when solving one
    cost_totals: tuple[Step, ...] = ()  # totals of the cost steps, when asked for
    blocks: tuple[BlockResult, ...] = ()  # a print-out's containers, each counted
    summary_depth: int | None = None  # --depth: the summary's rows down to this depth
    # Named sizes (explainer.deriving.symbolic): their names, and the conditions on them assumed
    # where a check could not be decided for every value (a kernel no larger than the input).
    size_names: tuple[str, ...] = ()
    assumptions: tuple[Any, ...] = ()

    @property
    def course_names(self) -> tuple[tuple[str, Alias], ...]:
        """The course names the spec uses, as first written, each once, with what they mean."""
        found: dict[str, tuple[str, Alias]] = {}
        for layer in self.layers:
            if layer.course_alias:
                key = layer.spec.call.lower()
                found.setdefault(key, (layer.spec.call, _COURSE_ALIASES[key]))
        return tuple(found.values())

    @property
    def is_chain(self) -> bool:
        """Every layer reads the one before: drawn and written as a chain."""
        return all(layer.inputs == (layer.index - 1,) for layer in self.layers)

    @property
    def placed(self) -> bool:
        """Every layer has its shapes (false for a print-out without its forward)."""
        return all(layer.placed for layer in self.layers)

    def sources(self, layer: LayerResult) -> tuple[LayerResult | None, ...]:
        """The layers whose outputs ``layer`` takes; None stands for the network's input."""
        return tuple(None if i == 0 else self.layers[i - 1] for i in layer.inputs)

    @property
    def total_params(self) -> int:
        return self.total.value

    @property
    def trainable_params(self) -> int:
        return sum(layer.trainable_params * layer.copies for layer in self.layers)

    @property
    def non_trainable_params(self) -> int:
        return self.total_params - self.trainable_params

    # Jupyter shows a solution as its worked solution. The documents are rendering's, and
    # deriving never imports rendering: explainer/__init__.py hands the renderers in
    # (:func:`show_in_notebooks`), and until then a solution has no richer display.
    def _repr_markdown_(self) -> str | None:
        return _shown(self, "text/markdown")

    def _repr_latex_(self) -> str | None:
        return _shown(self, "text/latex")

    def _repr_html_(self) -> str | None:
        return _shown(self, "text/html")


_NOTEBOOK: dict[str, Callable[[Solution], str]] = {}


def show_in_notebooks(renderers: dict[str, Callable[[Solution], str]]) -> None:
    """How a notebook shows a solution: a renderer per MIME type (``text/markdown``, ...)."""
    _NOTEBOOK.update(renderers)


def _shown(solution: Solution, mime: str) -> str | None:
    renderer = _NOTEBOOK.get(mime)
    return renderer(solution) if renderer else None
