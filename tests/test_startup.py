"""What keeps a cold start short, checked as structure (never as a timing: see
benchmarks/bench_cold.py): a kind with no field of its own is not decorated again, and still
behaves as a dataclass of its own."""

from __future__ import annotations

import dataclasses

import pytest

from explainer.deriving.layers import KERAS_KINDS, KINDS, LIVE_KINDS, Layer
from explainer.deriving.spec import OPEN, OpenSize, SizeName


def _kinds() -> list[type[Layer]]:
    return [*KINDS.values(), *KERAS_KINDS.values(), *LIVE_KINDS.values()]


def _own_fields(cls: type) -> list[str]:
    notes = vars(cls).get("__annotations__", {})
    return [name for name, note in notes.items() if "ClassVar" not in str(note)]


@pytest.mark.parametrize("kind", _kinds(), ids=lambda kind: f"{kind.__module__}.{kind.__name__}")
def test_a_kind_without_fields_of_its_own_is_not_decorated_again(kind: type[Layer]) -> None:
    assert dataclasses.is_dataclass(kind)
    for cls in kind.__mro__:
        if cls is not Layer and issubclass(cls, Layer) and not _own_fields(cls):
            # decorating again would generate the very same methods, at start-up cost
            assert "__dataclass_fields__" not in vars(cls), cls


def test_an_undecorated_kind_names_itself_and_compares_as_its_own_class() -> None:
    conv2d, conv1d = KINDS["Conv2d"], KINDS["Conv1d"]
    assert "__dataclass_fields__" not in vars(conv2d)  # the case this test is about
    layer = conv2d(1, 16, 5)
    assert repr(layer).startswith("Conv2d(in_channels=1, out_channels=16, kernel_size=5, ")
    assert layer == conv2d(1, 16, 5)
    assert hash(layer) == hash(conv2d(1, 16, 5))
    assert layer != conv1d(1, 16, 5)  # same fields, another class
    assert layer != conv2d(1, 8, 5)
    assert type(dataclasses.replace(layer, out_channels=8)) is conv2d
    assert [f.name for f in dataclasses.fields(layer)] == list(conv2d.arg_names())
    sigmoid, tanh = KINDS["Sigmoid"], KINDS["Tanh"]
    assert (repr(sigmoid()), repr(tanh())) == ("Sigmoid()", "Tanh()")
    assert sigmoid() == sigmoid()
    assert sigmoid() != tanh()
    with pytest.raises(dataclasses.FrozenInstanceError):
        layer.out_channels = 8  # type: ignore[misc]


def test_an_open_size_is_a_size_name_of_its_own_class() -> None:
    assert "__dataclass_fields__" not in vars(OpenSize)
    name = OPEN + "1"
    assert OpenSize(name) == OpenSize(name)
    assert hash(OpenSize(name)) == hash(OpenSize(name))
    assert OpenSize(name) != SizeName(name)  # an open size is never a size the user named
    assert repr(OpenSize(name)) == "None"
    assert [f.name for f in dataclasses.fields(OpenSize)] == ["name"]
