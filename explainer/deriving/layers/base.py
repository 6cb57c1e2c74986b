"""The base of every layer kind, argument binding, and small validators.

A layer kind is a frozen dataclass whose fields are the framework's own constructor
arguments, in the framework's order, with its defaults. Binding a written layer to a kind
follows the framework's rules for positional and keyword arguments, so a line pasted from
``print(model)`` binds exactly as PyTorch would bind it.

A kind that adds no field of its own (Conv2d over _ConvNd, Sigmoid over Elementwise) is a plain
subclass, not decorated again: it inherits the generated __init__, __repr__ (which names
``self.__class__``), __eq__ (which compares only objects of the same class) and __hash__, and
re-decorating would only generate the same methods once more, which is most of what a cold
start pays for its layer kinds (tests/test_startup.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from ...errors import ArgumentError, ShapeError, did_you_mean
from ...records import record
from ..spec import Note, Shape
from ..steps import Step
from ..symbolic import differ, size_at_least

MISSING = dataclasses.MISSING


@record
class Derivation:
    """What a layer kind works out for one incoming shape."""

    output_shape: Shape
    params: int
    steps: tuple[Step, ...]
    shape_why: str
    params_why: str
    # Counted but not learnt by gradient descent: Keras' BatchNormalization moving statistics.
    non_trainable: int = 0

    @property
    def params_step(self) -> Step | None:
        """The step that derives the count: by convention the last one, named "parameters"."""
        last = self.steps[-1] if self.steps else None
        return last if last is not None and last.quantity == "parameters" else None


@record
class Comparison:
    """The same layer as the other framework counts it, where the two differ."""

    framework: str  # "keras" or "pytorch"
    steps: tuple[Step, ...]  # the other framework's derivation; the last gives its count
    non_trainable: int
    # What differs, in one line; its counts are fields ("{count}") that the templates fill,
    # grouping their digits (--digits indian): the solver formats no number.
    note: Note

    @property
    def params(self) -> int:
        return self.steps[-1].value


@record
class Misconception:
    """A named wrong way to work a quantity out, derived like the right one.

    Distractors of multiple-choice questions and the feedback on a wrong answer come from
    these: the step shows exactly what the mistaken student computed.
    """

    key: str  # stable identifier: "bias-forgotten", "plus-one-forgotten", ...
    description: str  # "the bias of each filter forgotten"
    step: Step

    @property
    def quantity(self) -> str:
        return self.step.quantity

    @property
    def value(self) -> int:
        return self.step.value


@record
class Layer:
    """Base class. Subclasses add fields and implement :meth:`derive`."""

    # How each argument that a user may leave out is read off the incoming shape.
    inferred: ClassVar[Mapping[str, Callable[[Shape], int]]] = {}
    # The numbers of (batch-less) dimensions the kind accepts; empty means any.
    input_dims: ClassVar[frozenset[int]] = frozenset()
    # What the dimensions are called in messages, by number of dimensions.
    summary: ClassVar[str] = ""  # one line for `explainer layers` and the README
    # A small spec whose worked solution shows the kind's formulas in `explainer layers`.
    example: ClassVar[str] = ""
    # For a kind that takes several inputs (a merge): the shapes its example gets, one each.
    example_inputs: ClassVar[tuple[Shape, ...]] = ()
    # What a forward pass feeds it, for `explainer check`: "values", integer token "ids", or
    # "self-attention" (the same tensor as query, key and value).
    input_kind: ClassVar[str] = "values"
    # Arguments only by keyword, as the print-out writes them: Hugging Face's Conv1D(nf=, nx=)
    # must never bind a Keras Conv1D(32, 3) written without --framework keras.
    keyword_only: ClassVar[bool] = False
    # The library whose module of this class name the kind reads in a live model: a user's own
    # class that happens to be called Linear is not taken for torch's.
    origin: ClassVar[str] = "torch.nn"
    # The module that defines the class `explainer check` builds: torch.nn, or torchvision's.
    source: ClassVar[str] = "torch.nn"
    # Fields that forward takes after the input, not the constructor (MaxViT's
    # WindowPartition()(x, p)): read from the call in a live model, passed to forward by check.
    forward_arguments: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def type_name(cls) -> str:
        return cls.__name__

    @classmethod
    def arg_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))

    def torch_args(self) -> dict[str, Any]:
        """Complete keyword arguments: ``torch.nn.<type>(**args)`` builds the same layer
        (but for ``forward_arguments``, which its forward takes)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def constructor_args(self) -> dict[str, Any]:
        """The arguments of the constructor alone."""
        args = self.torch_args()
        return {k: v for k, v in args.items() if k not in self.forward_arguments}

    def call_args(self) -> tuple[Any, ...]:
        """What forward takes after the input, in order."""
        return tuple(getattr(self, name) for name in self.forward_arguments)

    def derive(self, shape: Shape) -> Derivation:
        raise NotImplementedError

    def derive_inputs(self, shapes: tuple[Shape, ...]) -> Derivation:
        """Several inputs (a live model's merge of branches); most kinds take exactly one."""
        if len(shapes) != 1:
            listed = ", ".join(str(list(shape)) for shape in shapes)
            raise ShapeError(f"{self.type_name()} takes one input, got {len(shapes)}: {listed}")
        return self.derive(shapes[0])

    def least_input(self) -> Shape | None:
        """The one input this layer is sure to take, from its own arguments: a live model's
        layer whose weights forward uses without calling it (Swin's attention uses its
        Linear's weights directly) is counted on it. None: the kind cannot tell."""
        return None

    def macs(self, shape: Shape, output: Shape) -> Step | None:
        """The multiply-accumulate count, derived; None for layers that do none.

        Element-wise work (activations, pooling comparisons, normalising) is not counted as
        MACs, as torchinfo and most papers do not count it either.
        """
        return None

    def other_framework(self, shape: Shape) -> Comparison | None:
        """The other framework's count of this layer where it differs (--compare-frameworks)."""
        return None

    def misconceptions(self, shape: Shape) -> tuple[Misconception, ...]:
        """Classic wrong derivations for this layer on ``shape`` (none by default).

        Only those whose value differs from the right one are kept by the callers.
        """
        return ()

    @classmethod
    def check_input(cls, shape: Shape) -> None:
        if cls.input_dims and len(shape) not in cls.input_dims:
            wanted = " or ".join(str(n) for n in sorted(cls.input_dims))
            raise ShapeError(
                f"{cls.type_name()} needs a {wanted}-dimensional input (without the batch), "
                f"got {len(shape)}: {list(shape)}"
            )


def bind(
    kind: type[Layer],
    args: tuple[Any, ...],
    kwargs: Mapping[str, Any],
    shape: Shape,
    origin: str,
) -> Layer:
    """Build ``kind`` from written arguments, filling inferable ones from ``shape``.

    ``origin`` says where ``shape`` comes from ("after layer 9, Flatten") for messages.
    """
    kind.check_input(shape)
    if kind.keyword_only and args:
        raise ArgumentError(
            f"{kind.type_name()} takes its arguments by keyword only, as print(model) writes "
            f"them: {kind.type_name()}({', '.join(f'{n}=...' for n in kind.arg_names())})"
        )
    names = kind.arg_names()
    values = _bind_positional(kind, names, args, kwargs)
    for name, infer in kind.inferred.items():
        actual = infer(shape)
        if name not in values:
            values[name] = actual
        elif differ(values[name], actual):  # named sizes: maybe an assumption
            raise ArgumentError(
                f"{name}={values[name]!r} contradicts the incoming shape {list(shape)}: "
                f"{origin} has {actual} {_unit(name)}"
            )
    missing = [f.name for f in dataclasses.fields(kind) if f.name not in values and _required(f)]
    if missing:
        raise ArgumentError(f"{kind.type_name()} is missing {', '.join(missing)}")
    return kind(**values)


def _bind_positional(
    kind: type[Layer], names: tuple[str, ...], args: tuple[Any, ...], kwargs: Mapping[str, Any]
) -> dict[str, Any]:
    for key in kwargs:
        if key not in names:
            raise ArgumentError(
                f"{kind.type_name()} has no argument {key!r}{did_you_mean(key, names)}"
            )
    # PyTorch's order first (keyword-only arguments, such as a norm's bias, never bind by
    # position). If that leaves a required argument unset but the shape could supply the
    # leading ones (Linear(10), Conv2d(16, 5)), skip those: unambiguous, since PyTorch itself
    # would refuse the call.
    keyword_only = {f.name for f in dataclasses.fields(kind) if f.kw_only}
    names = tuple(n for n in names if n not in keyword_only)
    order = names
    skippable = [n for n in names[: len(kind.inferred)] if n in kind.inferred and n not in kwargs]
    if skippable and _needs_shift(kind, names, args, kwargs):
        order = tuple(n for n in names if n not in skippable)
    if len(args) > len(order):
        raise ArgumentError(
            f"{kind.type_name()} takes at most {len(order)} positional arguments, got {len(args)}"
        )
    values = dict(zip(order, args, strict=False))
    for key, value in kwargs.items():
        if key in values:
            raise ArgumentError(f"{kind.type_name()} got {key!r} twice")
        values[key] = value
    return values


def _needs_shift(
    kind: type[Layer], names: tuple[str, ...], args: tuple[Any, ...], kwargs: Mapping[str, Any]
) -> bool:
    given = set(names[: len(args)]) | set(kwargs)
    fields = {f.name: f for f in dataclasses.fields(kind)}
    return any(_required(fields[n]) and n not in given for n in names if n not in kind.inferred)


def _required(field: dataclasses.Field[Any]) -> bool:
    return field.default is MISSING and field.default_factory is MISSING


def _unit(name: str) -> str:
    return "channels" if "channels" in name else "features"


# -- validators: each raises ArgumentError with the argument's name and value -----------------


def positive_int(name: str, value: Any) -> int:
    if size_at_least(name, value, 1):  # a named size (explainer.deriving.symbolic)
        return value  # type: ignore[no-any-return]
    if type(value) is not int or value < 1:
        raise ArgumentError(f"{name} must be a positive integer, got {value!r}")
    return value


def positive_number(name: str, value: Any) -> None:
    if type(value) not in (int, float) or value <= 0:
        raise ArgumentError(f"{name} must be a positive number, got {value!r}")


def nonnegative_int(name: str, value: Any) -> int:
    if size_at_least(name, value, 0):
        return value  # type: ignore[no-any-return]
    if type(value) is not int or value < 0:
        raise ArgumentError(f"{name} must be a non-negative integer, got {value!r}")
    return value


def int_tuple(name: str, value: Any, n: int, *, minimum: int) -> tuple[int, ...]:
    """An int or a tuple of ``n`` ints, each at least ``minimum``, as a tuple of ``n``."""
    items = value if isinstance(value, tuple | list) else (value,) * n
    if len(items) != n or any(
        not size_at_least(name, v, minimum) and (type(v) is not int or v < minimum) for v in items
    ):
        kind = "positive" if minimum > 0 else "non-negative"
        raise ArgumentError(f"{name} must be a {kind} integer or a tuple of {n}, got {value!r}")
    return tuple(items)


def boolean(name: str, value: Any) -> bool:
    if type(value) is not bool:
        raise ArgumentError(f"{name} must be True or False, got {value!r}")
    return value


def probability(name: str, value: Any) -> float:
    if type(value) not in (int, float) or not 0 <= value <= 1:
        raise ArgumentError(f"{name} must be a probability between 0 and 1, got {value!r}")
    return float(value)


def one_of(name: str, value: Any, choices: tuple[Any, ...]) -> Any:
    if value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise ArgumentError(f"{name} must be one of {options}, got {value!r}")
    return value
