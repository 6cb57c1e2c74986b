"""Text -> Architecture. Detects which notation the text is written in."""

from __future__ import annotations

import re

from ..boundary import check_spec
from ..deriving.spec import Architecture
from .chain import format_chain, parse_chain
from .keras_code import KERAS_CODE, parse_keras_code
from .pytorch import parse_pytorch_print
from .shapes import parse_shape

_PRINTOUT_LINE = re.compile(r"^\s*\([\w.]+\):\s*\S", re.MULTILINE)


def parse(text: str) -> Architecture:
    """Parse a spec in any supported notation."""
    text = check_spec(text)
    if _PRINTOUT_LINE.search(text):
        return parse_pytorch_print(text)
    if KERAS_CODE.search(text):
        return parse_keras_code(text)
    return parse_chain(text)


__all__ = ["format_chain", "parse", "parse_chain", "parse_pytorch_print", "parse_shape"]
