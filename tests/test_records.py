"""``@record`` against ``@dataclass(frozen=True)``: twin classes, the same answers.

A record shares one ``==``, ``hash`` and ``repr`` between classes instead of compiling them per
class (start-up time, see explainer.records); whatever it shares must say what dataclass's
generated methods say, for any field values."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from explainer.records import record


def _twins() -> list[tuple[type, type]]:
    """Each pair: the same class body under @record and under @dataclass(frozen=True)."""
    pairs = []
    for decorate in (record, dataclass(frozen=True)):

        @decorate
        class Plain:
            a: Any
            b: Any = 0

        @decorate
        class Flags:
            a: Any
            hidden: Any = field(default=0, repr=False)
            ignored: Any = field(default=0, compare=False)
            unhashed: Any = field(default=0, hash=False)
            hashed_only: Any = field(default=0, compare=False, hash=True)

        @decorate
        class Empty:
            pass

        @decorate
        class One:
            a: Any

        class Undecorated(Plain):  # a kind with no field of its own (layer kinds do this)
            pass

        @decorate
        class Child(Plain):
            c: Any = 1

        pairs.append((Plain, Flags, Empty, One, Undecorated, Child))
    return list(zip(*pairs, strict=True))


TWINS = _twins()
values = st.one_of(st.integers(), st.text(max_size=3), st.tuples(st.integers(), st.booleans()))


def _make(cls: type, data: tuple[Any, ...]) -> Any:
    names = [f.name for f in dataclasses.fields(cls) if f.init]
    return cls(**dict(zip(names, data, strict=False)))


@pytest.mark.parametrize("ours, theirs", TWINS, ids=lambda cls: cls.__name__)
@given(
    first=st.lists(values, min_size=5, max_size=5),
    changes=st.dictionaries(st.integers(0, 4), values, max_size=2),
)
def test_a_record_compares_hashes_and_prints_as_a_frozen_dataclass(
    ours: type, theirs: type, first: list[Any], changes: dict[int, Any]
) -> None:
    second = [changes.get(i, value) for i, value in enumerate(first)]  # some fields changed
    x, y = _make(ours, tuple(first)), _make(ours, tuple(second))
    u, v = _make(theirs, tuple(first)), _make(theirs, tuple(second))
    assert (x == y, x != y) == (u == v, u != v)
    assert repr(x) == repr(u)
    assert (hash(x) == hash(y)) == (hash(u) == hash(v))  # the same fields are hashed
    assert x != u  # another class is never equal
    with pytest.raises(dataclasses.FrozenInstanceError):
        x.a = 1
    assert dataclasses.replace(x) == x
    assert [f.name for f in dataclasses.fields(x)] == [f.name for f in dataclasses.fields(u)]


def test_a_method_the_class_writes_is_kept_and_a_written_eq_still_hashes() -> None:
    @record
    class Written:
        a: int

        def __eq__(self, other: object) -> bool:
            return True

        def __repr__(self) -> str:
            return "mine"

    assert Written(1) == Written(2)
    assert repr(Written(1)) == "mine"
    assert hash(Written(1)) == hash(Written(1))  # dataclass(frozen=True) hashes it too

    @record
    class OwnHash:
        a: int

        def __hash__(self) -> int:
            return 7

    assert hash(OwnHash(1)) == 7


def test_a_record_that_holds_itself_prints_without_end() -> None:
    @record
    class Box:
        items: list[Any]

    box = Box([])
    box.items.append(box)
    assert (
        repr(box) == "test_a_record_that_holds_itself_prints_without_end.<locals>.Box(items=[...])"
    )
