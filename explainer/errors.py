"""The library's own exceptions. The CLI turns each into one line on stderr and exit code 2.

Every message names the place (line and column of the spec, or the layer index) and the
numbers involved, so that a student can find and fix the mistake without a traceback. Each
kind of failure has its own class, so that an API caller can tell the cases apart; nothing
raises the bare base class (tests/test_errors.py holds the package to it)::

    ExplainerError            anything the user can fix by changing the input
    ├── SpecSyntaxError       the text is not a spec
    ├── UnknownNameError      a name nothing bundled or registered matches (did you mean ...?)
    │   └── UnknownLayerError     a layer name
    ├── ArgumentError         a layer argument it does not take, or a value it cannot have
    ├── ShapeError            a layer that cannot take the shape that reaches it
    ├── InputShapeError       a missing or malformed input shape (or named sizes' numbers)
    ├── UndecidedError        a working that depends on what named sizes leave open
    ├── LimitError            an input beyond one of the documented limits (boundary.py)
    ├── FileReadError         a file that cannot be read
    ├── EncodingError         bytes that are not UTF-8 text
    ├── LiveModelError        a live model's file, class or forward pass that cannot be used
    └── OptionError           an option's value, or options that do not go together
        └── NoAnswerError     a question no whole size answers

A few more live beside the stage they belong to: BankError, RosterError (reading),
OutputError, AnkiError (rendering), GenerateError, FormulaError, QuizError (teaching).

No message names a command-line flag. A message about an option names it as ``{name}`` (the
library's argument name, ``fade``), and :meth:`ExplainerError.worded` fills the names in: as
they are for a Python caller (``str(error)``), as flags (``--fade``) on the command line, as
click's ``param_hint`` does. OptionError's message is always such a template; any other error
is one when raised with ``named=True`` (plain text in it goes through :func:`literal`).
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping


class ExplainerError(Exception):
    """Base class: anything the user can fix by changing the input. Raise a subclass."""

    exit_code = 2

    def __init__(self, message: str, where: str = "", *, named: bool = False) -> None:
        # The message and the place as raised: templates naming options, or plain text.
        self._message = message if named else literal(message)
        self._where = where if named else literal(where)
        self.message = _fill(self._message, {})
        self.where = _fill(self._where, {})
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.worded({})

    def worded(self, names: Mapping[str, str]) -> str:
        """The place and the message, each option named as ``names`` says (by default, by
        its own name): ``{"fade": "--fade"}`` on the command line."""
        message = _fill(self._message, names)
        return f"{_fill(self._where, names)}: {message}" if self._where else message

    def at(self, where: str) -> ExplainerError:
        """The same error with a place (plain text), unless it already has one."""
        return self.at_option(literal(where))

    def at_option(self, where: str) -> ExplainerError:
        """The same error with a place that names options (``{input_shape}``), unless it
        already has one."""
        if not self._where:
            self._where = where
            self.where = _fill(where, {})
        return self


def literal(text: str) -> str:
    """Text that goes into a template as it is (its braces name no option)."""
    return text.replace("{", "{{").replace("}", "}}")


def _fill(template: str, names: Mapping[str, str]) -> str:
    return string.Formatter().vformat(template, (), _Names(names))


class _Names(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return key


class SpecSyntaxError(ExplainerError):
    """The text is not a spec: unbalanced parentheses, a non-literal argument, ..."""


class UnknownNameError(ExplainerError):
    """A name that nothing bundled or registered matches: an example, a configuration, ..."""


class UnknownLayerError(UnknownNameError):
    """A layer name that no registry entry or alias matches."""

    @classmethod
    def for_name(cls, name: str, known: Iterable[str]) -> UnknownLayerError:
        return cls(f"unknown layer {name!r}{did_you_mean(name, known)}")


class ArgumentError(ExplainerError):
    """An argument that the layer does not take, or a value it cannot have."""


class ShapeError(ExplainerError):
    """A layer that cannot be applied to the shape that reaches it."""


class InputShapeError(ExplainerError):
    """A missing or malformed input shape, or the numbers given to named sizes."""


class UndecidedError(ExplainerError):
    """A working that depends on what named sizes (or Keras's None) leave open: a layer
    that needs numbers to decide how it works."""


class LimitError(ExplainerError):
    """An input beyond one of the documented limits (see boundary.py)."""


class FileReadError(ExplainerError):
    """A file that cannot be read: missing, unreadable, not a regular file."""


class EncodingError(ExplainerError):
    """Bytes that are not UTF-8 text."""


class LiveModelError(ExplainerError):
    """The model file, class or forward pass could not be used."""


class OptionError(ExplainerError):
    """An option's value, or options that do not go together. The message (and the place)
    name each option as ``{name}``: the library writes its argument's name (``fade``), the
    command line its flag (``--fade``), as click's ``param_hint`` does (:meth:`worded`)."""

    def __init__(self, template: str, where: str = "") -> None:
        super().__init__(template, where, named=True)


class NoAnswerError(OptionError):
    """A question with no answer: no whole size gives the total asked for. Its message may
    name options too (``{solve_for}``)."""


def did_you_mean(name: str, known: Iterable[str]) -> str:
    import difflib  # on use: only a misspelt name needs it

    by_lower = {k.lower(): k for k in known}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.6)
    return f" (did you mean {by_lower[close[0]]!r}?)" if close else ""
