"""What every question kind receives and returns, and the phrases their prompts share."""

from __future__ import annotations

import dataclasses

from ...deriving.layers import resolve
from ...deriving.solve import LayerResult, Solution, solve
from ...deriving.spec import Architecture, LayerSpec, Shape
from ...errors import ExplainerError
from ...records import record
from ...rendering.render import group_digits
from ..problems import Fault, Question
from .architectures import write


@record
class Stacked:
    """A generated stack, written out, parsed back and solved by the engine."""

    topic: str
    architecture: Architecture  # parse(spec): the layers carry their written text and place
    spec: str
    solution: Solution


@record
class Posed:
    """A question kind's work on one stack. ``None`` fields mean: the stack's own spec."""

    statement: str
    questions: tuple[Question, ...]
    shown_spec: str | None = None
    faulty_spec: str | None = None
    fault: Fault | None = None


class _Blank:
    """Written ``?`` by format_chain: the unknown of an inverse problem."""

    def __repr__(self) -> str:
        return "?"


BLANK = _Blank()


def replace_argument(spec: LayerSpec, name: str, value: object) -> LayerSpec:
    """``spec`` with argument ``name`` set to ``value``, where it is written (by keyword or by
    position), else added as a keyword. Positions follow the alias (FCwB(x)) or the kind's own
    order, which is how the generator writes every layer (in_features / in_channels given)."""
    kwargs = dict(spec.kwargs)
    if name in kwargs:
        kwargs[name] = value
        return dataclasses.replace(spec, kwargs=tuple(kwargs.items()))
    kind, alias = resolve(spec.call)
    order = alias.positional if alias is not None else kind.arg_names()
    if name in order and order.index(name) < len(spec.args):
        args = list(spec.args)
        args[order.index(name)] = value
        return dataclasses.replace(spec, args=tuple(args))
    return dataclasses.replace(spec, kwargs=(*spec.kwargs, (name, value)))


def drop_argument(spec: LayerSpec, name: str) -> LayerSpec:
    """``spec`` without argument ``name`` (the engine infers it from the incoming shape), the
    rest by keyword: ``Linear(7200, 10)`` becomes ``Linear(out_features=10)``."""
    kind, alias = resolve(spec.call)
    order = alias.positional if alias is not None else kind.arg_names()
    kwargs = dict(zip(order, spec.args, strict=False)) | dict(spec.kwargs)
    kwargs.pop(name, None)
    return dataclasses.replace(spec, args=(), kwargs=tuple(kwargs.items()))


def hide_after(stacked: Stacked, index: int) -> str | None:
    """The stack as shown for a question about layer ``index``'s output: every later layer
    without the input sizes it restates (``Linear(7200, 10)`` would print a flattened size),
    as the course notation writes FC(10). None where the engine cannot infer one of them."""
    layers = list(stacked.architecture.layers)
    framework = stacked.architecture.framework
    for position in range(index, len(layers)):
        layer = layers[position]
        kind, _ = resolve(layer.call, framework)
        for argument in getattr(kind, "inferred", {}):
            if is_written(layer, argument):
                layer = drop_argument(layer, argument)
        layers[position] = layer
    hidden = Architecture(tuple(layers), stacked.architecture.input_shape, framework=framework)
    try:
        same = solve(hidden).total_params == stacked.solution.total_params
    except ExplainerError:
        return None
    if framework == "keras":  # Keras infers every input size: nothing to hide
        return stacked.spec if same else None
    return write(hidden, stacked.topic) if same else None


def is_written(spec: LayerSpec, name: str) -> bool:
    """Whether the layer as written gives argument ``name`` (rather than leaving it inferred)."""
    if name in dict(spec.kwargs):
        return True
    kind, alias = resolve(spec.call)
    order = alias.positional if alias is not None else kind.arg_names()
    return name in order and order.index(name) < len(spec.args)


def label(result: LayerResult) -> str:
    return f"layer {result.index}, {result.spec.text}"


def shape_text(shape: Shape) -> str:
    return "×".join(map(str, shape))


def count_text(value: int) -> str:
    return group_digits(value)
