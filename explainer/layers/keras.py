"""The Keras dialect: Keras names and arguments, channels-last shapes, Keras's counting rules.

Filled in kind by kind; each entry is checked against real Keras in tests/test_keras_oracle.py.
"""

from __future__ import annotations

from .base import Layer

KERAS_KINDS: dict[str, type[Layer]] = {}
