"""A Hugging Face ``config.json`` -> its keys and values, read as JSON data (never executed).

Only the reading lives here: which keys a family uses, and what they mean, is the business of
:mod:`explainer.deriving.lm`. Every complaint names the file and the key (or the line and column
of a JSON syntax error) and the value involved.
"""

from __future__ import annotations

import json

from ..boundary import check_depth, excerpt, json_integer
from ..deriving.lm.config import HFConfig
from ..errors import ExplainerError, SpecSyntaxError


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
