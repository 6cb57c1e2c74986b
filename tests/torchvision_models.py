"""torchvision for the tests: imported after the two operator schemas its C++ library would
have registered, and its models built on the meta device (sizes without memory or
initialisation), so that even regnet_y_128gf costs nothing but its shapes.

PyPI's torchvision 0.28 wheel expects CUDA libraries next to torch 2.13.0+cpu; the models do
not need its C++ operators, but ``import torchvision`` registers fake kernels for ``nms`` and
``qnms`` and needs their schemas first (the strings of torchvision/csrc/ops/nms.cpp).
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterator
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


@contextlib.contextmanager
def on_meta() -> Iterator[None]:
    """Modules built inside get their parameters and buffers on the meta device.

    torch's own ``with torch.device("meta")`` would also put the plain tensors a builder
    computes with on meta (RegNet rounds its widths with torch ops, then reads them back)."""
    import torch

    module = torch.nn.Module
    register_parameter, register_buffer = module.register_parameter, module.register_buffer

    def parameter(self: Any, name: str, value: Any) -> None:
        if value is not None:
            value = torch.nn.Parameter(value.to("meta"), requires_grad=value.requires_grad)
        register_parameter(self, name, value)

    def buffer(self: Any, name: str, value: Any, persistent: bool = True) -> None:
        register_buffer(self, name, None if value is None else value.to("meta"), persistent)

    module.register_parameter, module.register_buffer = parameter, buffer  # type: ignore[method-assign]
    try:
        yield
    finally:
        module.register_parameter, module.register_buffer = register_parameter, register_buffer  # type: ignore[method-assign]


def build(name: str) -> Any:
    """torchvision's ``name`` with weights=None, on the meta device."""
    models = torchvision_models()
    with on_meta(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. googlenet's note on its default init
        return models.get_model(name, weights=None)
