"""The real frameworks, imported on demand: only a live model or a check needs them, and
neither is a dependency of explainer (``pip install 'explainer[torch]'`` or ``[keras]``)."""

from __future__ import annotations

import os
from typing import Any

from ..errors import LiveModelError


def torch_module() -> Any:
    try:
        import torch
    except ImportError:
        raise LiveModelError(
            "reading a live model needs PyTorch: pip install 'explainer[torch]'"
        ) from None
    return torch


def keras_module() -> Any:
    os.environ.setdefault("KERAS_BACKEND", "jax")
    try:
        import keras
    except ImportError:
        raise LiveModelError(
            "reading a Keras model needs Keras: pip install 'explainer[keras]'"
        ) from None
    return keras
