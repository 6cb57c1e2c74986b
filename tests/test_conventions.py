"""layers.conventions: what PyTorch and Keras count differently is said once per kind, and both
dialects' registries agree with it (the counts themselves are held to the frameworks in
tests/test_compare.py)."""

from __future__ import annotations

from explainer.deriving.layers import KERAS_KINDS, KINDS
from explainer.deriving.layers.conventions import BATCH_NORM, BY_GATES, BY_KERAS, RECURRENT
from explainer.deriving.layers.keras.recurrent import _Recurrent as KerasRecurrent
from explainer.deriving.layers.recurrent import _Recurrent as TorchRecurrent


def test_every_recurrent_kind_of_both_dialects_has_its_convention() -> None:
    torch = {name: kind for name, kind in KINDS.items() if issubclass(kind, TorchRecurrent)}
    keras = {name: kind for name, kind in KERAS_KINDS.items() if issubclass(kind, KerasRecurrent)}
    assert sorted(torch) == sorted(c.pytorch for c in RECURRENT)
    assert sorted(keras) == sorted(c.keras for c in RECURRENT)
    for convention in RECURRENT:
        assert torch[convention.pytorch].gates == convention.gates
        assert keras[convention.keras].gates == convention.gates
        assert BY_GATES[convention.gates] is BY_KERAS[convention.keras] is convention


def test_the_names_a_convention_gives_are_registered_kinds() -> None:
    assert {f"{BATCH_NORM.pytorch}{n}d" for n in (1, 2, 3)} <= set(KINDS)
    assert BATCH_NORM.keras in KERAS_KINDS


def test_the_registries_import_no_kind_until_one_is_used() -> None:
    """Both dialects' registries are lazy alike: listing names imports no kind module."""
    import subprocess
    import sys

    code = (
        "import sys; from explainer.deriving.layers import KERAS_KINDS, KINDS; "
        "names = list(KINDS) + list(KERAS_KINDS); assert 'Dense' in KERAS_KINDS; "
        "print(sorted(m for m in sys.modules if m.startswith('explainer.deriving.layers.')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert "keras" not in loaded and "recurrent" not in loaded and "conv" not in loaded, loaded
