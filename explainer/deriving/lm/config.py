"""A Hugging Face configuration as data: its keys and values, each read as the family asks
(a positive integer, a flag, a string), with the file named in every complaint.

:func:`explainer.reading.hf.read_config` builds one from the JSON text; the families read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...errors import ArgumentError
from ...records import record


@record
class HFConfig:
    """The keys of one configuration file, and where it came from (for messages)."""

    source: str  # "config.json", or "gpt2" for a bundled one
    values: Mapping[str, Any]

    @property
    def model_type(self) -> str:
        value = self.values.get("model_type")
        if not isinstance(value, str):
            raise ArgumentError(
                f'{self.source}: "model_type" must be a string such as "gpt2", got {value!r}'
            )
        return value

    def has(self, key: str) -> bool:
        return self.values.get(key) is not None

    def integer(self, key: str, default: int | None) -> int:
        """A positive integer (``null`` or absent: the family's default, as transformers)."""
        value = self.values.get(key)
        if value is None:
            if default is None:
                raise ArgumentError(f'{self.source}: "{key}" is missing (a positive integer)')
            return default
        if type(value) is not int or value < 1:
            raise ArgumentError(f'{self.source}: "{key}" must be a positive integer, got {value!r}')
        return value

    def pair(self, key: str, default: int) -> tuple[int, int]:
        """An integer or a list of two (ViT's image and patch sizes: height, width)."""
        value = self.values.get(key)
        if isinstance(value, list):
            if len(value) == 2 and all(type(v) is int and v > 0 for v in value):
                return value[0], value[1]
            raise ArgumentError(
                f'{self.source}: "{key}" must be a positive integer or a list of two, got {value!r}'
            )
        size = self.integer(key, default)
        return size, size

    def flag(self, key: str, default: bool) -> bool:
        value = self.values.get(key)
        if value is None:
            return default
        if type(value) is not bool:
            raise ArgumentError(f'{self.source}: "{key}" must be true or false, got {value!r}')
        return value

    def text(self, key: str, default: str) -> str:
        value = self.values.get(key)
        if value is None:
            return default
        if not isinstance(value, str):
            raise ArgumentError(f'{self.source}: "{key}" must be a string, got {value!r}')
        return value
