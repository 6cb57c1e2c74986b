"""A Hugging Face ``config.json`` -> its keys and values, read as JSON data (never executed).

Only the reading lives here: which keys a family uses, and what they mean, is the business of
:mod:`explainer.deriving.lm`. Every complaint names the file and the key (or the line and column
of a JSON syntax error) and the value involved.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import ArgumentError, ExplainerError, SpecSyntaxError
from .boundary import check_depth, excerpt, json_integer


@dataclass(frozen=True)
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


def _config_integer(text: str) -> int:
    # A configuration's sizes are multiplied several at a time: 100 digits each keeps every
    # count printable (Python prints at most 4,300 digits).
    return json_integer(text, 100)


def _not_a_number(name: str) -> float:
    raise SpecSyntaxError(f"{name} is not a number JSON allows")


def read_config(text: str, source: str = "config.json") -> HFConfig:
    """Parse the JSON of a configuration; a syntax error says its line and column."""
    check_depth(text, source)
    try:
        data = json.loads(text, parse_int=_config_integer, parse_constant=_not_a_number)
    except ExplainerError as exc:
        raise exc.at(source) from None
    except json.JSONDecodeError as exc:
        raise SpecSyntaxError(
            f"{source}: not JSON: {exc.msg}", f"line {exc.lineno}, col {exc.colno}"
        ) from None
    if not isinstance(data, dict):
        raise SpecSyntaxError(
            f"{source}: a configuration is a JSON object {{...}}, got {excerpt(repr(data))}"
        )
    return HFConfig(source, data)
