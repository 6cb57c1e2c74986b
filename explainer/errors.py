"""The library's own exceptions. The CLI turns each into one line on stderr and exit code 2.

Every message names the place (line and column of the spec, or the layer index) and the
numbers involved, so that a student can find and fix the mistake without a traceback.
"""

from __future__ import annotations

import difflib
import string
from collections.abc import Iterable, Mapping


class ExplainerError(Exception):
    """Base class: anything the user can fix by changing the input."""

    exit_code = 2

    def __init__(self, message: str, where: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message

    def at(self, where: str) -> ExplainerError:
        """The same error with a place, unless it already has one."""
        if not self.where:
            self.where = where
        return self


class SpecSyntaxError(ExplainerError):
    """The text is not a spec: unbalanced parentheses, a non-literal argument, ..."""


class UnknownLayerError(ExplainerError):
    """A layer name that no registry entry or alias matches."""

    @classmethod
    def for_name(cls, name: str, known: Iterable[str]) -> UnknownLayerError:
        return cls(f"unknown layer {name!r}{did_you_mean(name, known)}")


class ArgumentError(ExplainerError):
    """An argument that the layer does not take, or a value it cannot have."""


class ShapeError(ExplainerError):
    """A layer that cannot be applied to the shape that reaches it."""


class InputShapeError(ExplainerError):
    """A missing or malformed input shape."""


class OptionError(ExplainerError):
    """An option's value, or options that do not go together. The message names each option
    as ``{name}``: the library writes its argument's name (``fade``), the command line its
    flag (``--fade``), as click's ``param_hint`` does (:meth:`worded`)."""

    def __init__(self, template: str, where: str = "") -> None:
        self.template = template
        super().__init__(self.worded({}), where)

    def worded(self, names: Mapping[str, str]) -> str:
        """The message with each option named as ``names`` says (default: its own name)."""
        return string.Formatter().vformat(self.template, (), _Names(names))


def literal(text: str) -> str:
    """Text that goes into an OptionError's message as it is (its braces name no option)."""
    return text.replace("{", "{{").replace("}", "}}")


class _Names(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return key


class LiveModelError(ExplainerError):
    """The model file, class or forward pass could not be used."""


def did_you_mean(name: str, known: Iterable[str]) -> str:
    by_lower = {k.lower(): k for k in known}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.6)
    return f" (did you mean {by_lower[close[0]]!r}?)" if close else ""
