"""Frozen records: dataclasses whose ``==``, ``hash`` and ``repr`` are shared, not generated.

Python 3.11's ``@dataclass(frozen=True)`` writes six methods for every class as source text and
compiles each with ``exec`` while the class is made. On the way of one ``explainer solve``, sixty
classes spent about 35 ms there: a third of explainer's start-up above sympy's own import.
``@record`` lets dataclass write ``__init__`` and the two guards of a frozen class, and gives
every class the same three functions for ``==``, ``hash`` and ``repr``. They read the class's
fields as dataclass's own methods would, so the results are the same: the fields in order,
each field's ``compare``/``hash``/``repr`` flags honoured, an instance of another class never
equal, and a method the class writes itself kept.
"""

from __future__ import annotations

import dataclasses
import reprlib
from collections.abc import Callable
from operator import attrgetter
from typing import Any, TypeVar, cast, dataclass_transform, overload

_T = TypeVar("_T", bound=type)


@overload
def record(cls: _T, /) -> _T: ...


@overload
def record(*, kw_only: bool = ...) -> Callable[[_T], _T]: ...


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field,))
def record(cls: _T | None = None, /, *, kw_only: bool = False) -> _T | Callable[[_T], _T]:
    """``@dataclass(frozen=True)``, made without compiling ``==``, ``hash`` and ``repr``."""

    def wrap(cls: _T) -> _T:
        own = vars(cls)
        # Read before dataclass runs: a class that writes __eq__ gets __hash__ = None from
        # Python, which dataclass(eq=True, frozen=True) replaces; so do we.
        keeps_hash = "__hash__" in own and not (own["__hash__"] is None and "__eq__" in own)
        keeps = {"__eq__": "__eq__" in own, "__hash__": keeps_hash, "__repr__": "__repr__" in own}
        made: Any = dataclasses.dataclass(cls, frozen=True, eq=False, repr=False, kw_only=kw_only)
        fields = dataclasses.fields(made)
        # staticmethod: a function stored on a class would be bound to the instance
        made.__record_compare__ = staticmethod(_key(f.name for f in fields if f.compare))
        made.__record_hash__ = staticmethod(
            _key(f.name for f in fields if (f.compare if f.hash is None else f.hash))
        )
        made.__record_repr__ = tuple(f.name for f in fields if f.repr)
        for name, method in (("__eq__", _eq), ("__hash__", _hash), ("__repr__", _repr)):
            if not keeps[name]:
                setattr(made, name, method)
        return cast(_T, made)

    return wrap if cls is None else wrap(cls)


def _key(names: Any) -> Callable[[object], tuple[object, ...]]:
    """The values of the named fields, always as a tuple (attrgetter gives one value bare)."""
    names = tuple(names)
    if len(names) == 1:
        get = attrgetter(names[0])
        return lambda instance: (get(instance),)
    return attrgetter(*names) if names else lambda instance: ()


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is self.__class__:
        key = self.__record_compare__
        return key(self) == key(other)
    return NotImplemented


def _hash(self: Any) -> int:
    return hash(self.__record_hash__(self))


@reprlib.recursive_repr()
def _repr(self: Any) -> str:
    fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__record_repr__)
    return f"{self.__class__.__qualname__}({fields})"
