"""Named sizes: ``Linear(h)`` or ``input(3, W, W)`` solved as formulas in the names.

The parser leaves a name as :class:`~explainer.deriving.spec.SizeName` (pure data). Before solving,
each becomes a sympy symbol known to be a positive integer, and the layer kinds derive exactly
as with numbers: the formulas take the symbols' places, and each value is worked out by sympy's
exact arithmetic (``⌊(W − 5 + 4)/1 + 1⌋`` is ``W``; ``⌊W/2⌋`` stays a floor, since sympy
cannot prove more). A check that the layers make with numbers (a kernel no larger than the
padded input) that sympy cannot decide for every value of the names is recorded as an
assumption of the solution rather than refused; one it can decide is applied as with numbers.

``--let d=784,h=128`` puts numbers in place of names before solving: the plain derivation.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import replace
from typing import Any

import sympy

from ..errors import ArgumentError, UndecidedError, literal
from .spec import OPEN, Architecture, LayerCall, LayerSpec, OpenSize, SizeName

# The assumptions recorded while one solution is derived; None outside solve().
_ASSUMED: ContextVar[list[Any] | None] = ContextVar("assumed", default=None)


class _OpenSymbol(sympy.Symbol):  # type: ignore[misc]
    """A size Keras leaves None: in any message that prints it, written as Keras writes it."""

    def _sympystr(self, printer: Any) -> str:
        return "None"


@functools.cache
def symbol(name: str) -> Any:
    """The sympy symbol of a named size: an integer, positive, as every size is."""
    if name.startswith(OPEN):
        return _OpenSymbol(name, integer=True, positive=True)
    return sympy.Symbol(name, integer=True, positive=True)


def names(architecture: Architecture) -> tuple[str, ...]:
    """The named sizes of ``architecture``, in the order they first appear (Keras's open
    sizes, ``None``, are not names: see :func:`has_open`)."""
    found: list[str] = []
    for value in _values(architecture):
        named = isinstance(value, SizeName) and not isinstance(value, OpenSize)
        if named and value.name not in found:
            found.append(value.name)
    return tuple(found)


def has_open(architecture: Architecture) -> bool:
    """Whether a size is Keras's ``None`` beyond the batch (``keras.Input(shape=(None,))``)."""
    return any(isinstance(value, OpenSize) for value in _values(architecture))


def is_open(value: Any) -> bool:
    """Whether a size or a count depends on an open size (it is shown as ``None``)."""
    return any(s.name.startswith(OPEN) for s in getattr(value, "free_symbols", ()))


def _all_names(architecture: Architecture) -> tuple[str, ...]:
    found: list[str] = []
    for value in _values(architecture):
        if isinstance(value, SizeName) and value.name not in found:
            found.append(value.name)
    return tuple(found)


def _values(architecture: Architecture) -> Iterator[Any]:
    yield from architecture.input_shape or ()
    for spec in architecture.layers:
        yield from _flat((*spec.args, *(v for _, v in spec.kwargs)))
        yield from _flat((spec.input_shape or (), *spec.other_inputs))


def _flat(values: tuple[Any, ...]) -> Iterator[Any]:
    for value in values:
        if isinstance(value, tuple):
            yield from _flat(value)
        elif isinstance(value, LayerCall):
            yield from _flat((*value.args, *(v for _, v in value.kwargs)))
        else:
            yield value


def with_values(architecture: Architecture, values: Mapping[str, Any]) -> Architecture:
    """``architecture`` with each named size in ``values`` replaced (a number, or a symbol)."""

    def put(value: Any) -> Any:
        if isinstance(value, SizeName):
            return values.get(value.name, value)
        if isinstance(value, tuple):
            return tuple(put(v) for v in value)
        if isinstance(value, LayerCall):
            return replace(value, args=put(value.args), kwargs=_put_kwargs(value.kwargs, put))
        return value

    layers = tuple(
        replace(
            spec,
            args=put(spec.args),
            kwargs=_put_kwargs(spec.kwargs, put),
            input_shape=put(spec.input_shape) if spec.input_shape else spec.input_shape,
            other_inputs=put(spec.other_inputs),
        )
        for spec in architecture.layers
    )
    shape = put(architecture.input_shape) if architecture.input_shape else None
    return replace(architecture, layers=layers, input_shape=shape)


def _put_kwargs(kwargs: tuple[tuple[str, Any], ...], put: Any) -> tuple[tuple[str, Any], ...]:
    return tuple((key, put(value)) for key, value in kwargs)


def let(architecture: Architecture, values: Mapping[str, int]) -> Architecture:
    """``--let d=784,h=128``: numbers in place of the names, before solving."""
    known = names(architecture)
    for name in values:
        if name not in known:
            listed = ", ".join(known) or "none"
            why = f"{name}: the spec names no size {name!r} (it names {listed})"
            raise ArgumentError("{let} " + literal(why), named=True)
    return with_values(architecture, values)


def symbolic(architecture: Architecture) -> Architecture:
    """Every named size (and every open one) as its sympy symbol, ready for the solver."""
    return with_values(architecture, {name: symbol(name) for name in _all_names(architecture)})


def is_symbolic(value: Any) -> bool:
    return isinstance(value, sympy.Basic) and not value.is_Integer


@contextlib.contextmanager
def recording() -> Iterator[list[Any]]:
    """Collect the assumptions made while deriving one solution."""
    assumed: list[Any] = []
    token = _ASSUMED.set(assumed)
    try:
        yield assumed
    finally:
        _ASSUMED.reset(token)


def active() -> bool:
    """Whether a solution in named sizes is being derived."""
    return _ASSUMED.get() is not None


def undecidable(exc: TypeError) -> UndecidedError:
    """A layer that needs a number where the spec names a size, to decide how it works."""
    detail = str(exc).removeprefix("cannot determine truth value of Relational: ")
    if OPEN in detail:
        return UndecidedError(
            "this layer needs a number where Keras's size is None, to decide how it works: "
            "give the input a fixed size"
        )
    return UndecidedError(
        literal(f"this layer needs numbers to decide {detail!r}: ")
        + "give the named sizes numbers with {let}",
        named=True,
    )


def fails(condition: Any) -> bool:
    """``if fails(kernel > padded_size): raise ...``: a plain bool as it is; a condition on
    named sizes as sympy decides it, and when it cannot, False with its negation assumed."""
    if isinstance(condition, bool):
        return condition
    if condition in (sympy.true, sympy.false):
        return bool(condition)
    assumed = _ASSUMED.get()
    if assumed is None:  # a symbolic check outside a symbolic solve is a bug
        raise UndecidedError(f"cannot decide {condition} without the named sizes' values")
    negation = sympy.Not(condition)
    if negation not in assumed:
        assumed.append(negation)
    return False


def differ(a: Any, b: Any) -> bool:
    """``if differ(a, b): refuse``: numbers as they are; named sizes by sympy, and where it
    cannot decide, False with ``a = b`` assumed."""
    if isinstance(a, int) and isinstance(b, int):
        return a != b
    return fails(sympy.Ne(a, b))


def same(a: Any, b: Any) -> bool:
    """``if same(a, b): refuse``: where sympy cannot decide, False with ``a ≠ b`` assumed."""
    if isinstance(a, int) and isinstance(b, int):
        return a == b
    return fails(sympy.Eq(a, b))


def decided(condition: Any, what: str) -> bool:
    """A condition whose two outcomes lead to different formulas: sympy must decide it."""
    if isinstance(condition, bool) or condition in (sympy.true, sympy.false):
        return bool(condition)
    if is_open(condition):
        raise UndecidedError(
            f"{what}: it depends on a size Keras leaves None; give the input a fixed size"
        )
    raise UndecidedError(
        f"{what}: whether {condition} depends on the named sizes' values; give them numbers"
    )


def size_at_least(name: str, value: Any, minimum: int) -> bool:
    """Whether ``value`` is a symbolic integer size of at least ``minimum`` (recording the
    assumption where sympy cannot prove it); False for anything that is not symbolic."""
    if not is_symbolic(value) or value.is_integer is not True:
        return False
    if fails(value < minimum):
        kind = "positive" if minimum > 0 else "non-negative"
        raise ArgumentError(f"{name} must be a {kind} integer, got {value}")
    return True


def exact(value: Any) -> Any:
    """A symbolic count in its expanded form: ``d·h + h + h·c + c``."""
    if value.is_integer is not True:
        raise UndecidedError(f"{value} cannot be shown to be an integer for every size")
    return sympy.expand(value)


def spec_has_names(spec: LayerSpec) -> bool:
    return any(isinstance(v, SizeName) for v in _flat((*spec.args, *(v for _, v in spec.kwargs))))
