"""torchvision for the tests: imported after the two operator schemas its C++ library would
have registered, and its models built on the meta device (explainer.reading.live.on_meta: sizes
without memory or initialisation), so that even regnet_y_128gf costs nothing but its shapes.

PyPI's torchvision 0.28 wheel expects CUDA libraries next to torch 2.13.0+cpu; the models do
not need its C++ operators, but ``import torchvision`` registers fake kernels for ``nms`` and
``qnms`` and needs their schemas first (the strings of torchvision/csrc/ops/nms.cpp).
"""

from __future__ import annotations

import os
import warnings
from typing import Any

import pytest

SCHEMAS = {
    "torchvision::nms": "(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
    "torchvision::qnms": "(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
}


def torchvision_models() -> Any:
    """``torchvision.models``; a skip where torchvision is absent, a failure in CI."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Failed to initialize NumPy")
        torch = pytest.importorskip("torch")
    for name, schema in SCHEMAS.items():
        namespace, op = name.split("::")
        if not hasattr(getattr(torch.ops, namespace), op):
            torch.library.define(name, schema)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # its image extension's load warning, on CPU
            from torchvision import models
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip("torchvision is not installed")
    return models


def build(name: str) -> Any:
    """torchvision's ``name`` with weights=None, on the meta device."""
    import torch

    from explainer.reading.live import on_meta

    models = torchvision_models()
    with on_meta(torch), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. googlenet's note on its default init
        return models.get_model(name, weights=None)
