"""keras.applications (weights=None) through the live Keras path: exact totals and trainable
splits, every stock layer derived (none merely counted by Keras)."""

from __future__ import annotations

import math
import os
from typing import Any

import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")
keras = pytest.importorskip("keras")

from explainer import api  # noqa: E402

APPLICATIONS = [
    "MobileNetV2", "ResNet50", "EfficientNetB0", "DenseNet121", "InceptionV3", "Xception",
    "NASNetMobile", "ConvNeXtTiny", "VGG16",
]  # fmt: skip


def keras_split(model: Any) -> tuple[int, int, int]:
    trainable = sum(math.prod(w.shape) for w in model.trainable_weights)
    frozen = sum(math.prod(w.shape) for w in model.non_trainable_weights)
    return model.count_params(), trainable, frozen


@pytest.mark.slow
@pytest.mark.parametrize("name", APPLICATIONS)
def test_application_is_derived_and_exact(name: str) -> None:
    with keras.StatelessScope(initialize_variables=False):  # shapes only: no weights drawn
        model = getattr(keras.applications, name)(weights=None)
        solution = api.solve_model(model)
        expected = keras_split(model)
    keras.backend.clear_session()
    got = (solution.total_params, solution.trainable_params, solution.non_trainable_params)
    assert got == expected
    not_derived = sorted({layer.type for layer in solution.layers if layer.spec.call == "Counted"})
    assert not not_derived, f"{name}: layers counted by Keras, not derived: {not_derived}"
    assert sum(layer.params for layer in solution.layers) == expected[0]


def test_published_totals() -> None:
    """The totals keras.io publishes for two of them, as a check on the oracle itself."""
    with keras.StatelessScope(initialize_variables=False):
        totals = [api.solve_model(keras.applications.VGG16(weights=None)).total_params]
        totals.append(api.solve_model(keras.applications.ResNet50(weights=None)).total_params)
    keras.backend.clear_session()
    assert totals == [138_357_544, 25_636_712]
