"""The input boundary: every text that reaches explainer is decoded and measured here.

A spec (argument, file or standard input), an ``--input`` shape, a bank file, a roster and a
practice answer all pass through these functions before any parser sees them, so that each
limit below is checked in one place, with one kind of message: what, where, the number found
and the limit. The parsers then never meet a text deep or large enough to exhaust the stack,
the memory or Python's own integer limits (which would end in a traceback, not a message).

Errors quote at most :data:`EXCERPT_CHARS` characters of the input (:func:`excerpt`), and a
message is never longer than one line of :data:`MAX_MESSAGE_CHARS` (:func:`one_line`).
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import BinaryIO

from .errors import EncodingError as EncodingError  # raised here, so also named from here
from .errors import FileReadError as FileReadError
from .errors import LimitError as LimitError
from .errors import literal

# The documented limits (README, "Limits and exit codes").
MAX_SPEC_CHARS = 1_000_000  # a spec: argument, file or standard input
MAX_LAYERS = 2_000  # layers applied by one spec
MAX_DEPTH = 32  # brackets or containers nested inside one another
MAX_OPERATORS = 100  # arithmetic operators (+ - * //) in one layer call, or in forward
MAX_DIGITS = 1_000  # digits of any integer: written, worked out from arguments, or a result
MAX_DIMENSIONS = 16  # sizes in one shape (without the batch)
MAX_TUPLE = 64  # items in one tuple or list argument
MAX_FILE_BYTES = 10_000_000  # a roster or a bank file
MAX_ROSTER_ROWS = 10_000
MAX_FIELD_CHARS = 1_000  # one roster cell
MAX_ANSWER_CHARS = 1_000  # one practice answer
EXCERPT_CHARS = 40
MAX_MESSAGE_CHARS = 280  # the whole error line stays under 300 with its prefix

# False while the text being read came from a file: any file can be named (explainer solve
# /etc/shadow), so its text is never quoted in an error; the place (line, col) is.
_QUOTING: ContextVar[bool] = ContextVar("quoting", default=True)
_LIMIT = 10**MAX_DIGITS
_BOM = b"\xef\xbb\xbf"
_OPERATORS = frozenset("+-*/")
_OPEN = frozenset("([{")
_CLOSE = frozenset(")]}")


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """A short quotation of user text, on one line: 'Linear(99999…' rather than all of it."""
    if not _QUOTING.get():
        return "the text there (a file's text is not quoted)"
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= limit else flat[:limit] + "…")


def shorten(text: str, limit: int = 2 * EXCERPT_CHARS) -> str:
    """A layer as written, for the place of a message: one line, cut at ``limit``."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit] + "…"


def one_line(message: str) -> str:
    """An error message as one line of at most MAX_MESSAGE_CHARS characters."""
    flat = " ".join(message.split())
    return flat if len(flat) <= MAX_MESSAGE_CHARS else flat[: MAX_MESSAGE_CHARS - 1] + "…"


@contextlib.contextmanager
def invocation() -> Iterator[None]:
    """One command: quoting starts allowed, and whatever the command sets ends with it."""
    token = _QUOTING.set(True)
    try:
        yield
    finally:
        _QUOTING.reset(token)


# -- decoding ----------------------------------------------------------------------------------


def decode(data: bytes, what: str) -> str:
    """UTF-8 bytes as text; a leading byte-order mark (spreadsheets, Windows editors) dropped.
    A byte that is not UTF-8 is refused with its line and column.

    ``what`` (here and below) names the input in messages, options as ``{name}`` (see
    errors.OptionError): ``{input_shape}``, or ``literal(path)`` for a file."""
    data = data.removeprefix(_BOM)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
        raise EncodingError(
            f"byte 0x{data[exc.start]:02x} is not UTF-8 text",
            f"{what}, line {line}, col {col}",
            named=True,
        ) from None


def argument(text: str, what: str) -> str:
    """A command-line argument: Python hands undecodable bytes over as lone surrogates."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return decode(text.encode("utf-8", "surrogateescape"), what)
    return text.removeprefix("\ufeff")


def read_stream(stream: BinaryIO, what: str, limit: int = MAX_SPEC_CHARS) -> str:
    """At most ``limit`` bytes of a stream (one more is read to know it was too long)."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise LimitError(f"{what} is longer than {limit:,} bytes", named=True)
    return decode(data, what)


def read_file(path: Path, what: str, limit: int = MAX_SPEC_CHARS, private: bool = True) -> str:
    """A regular file's text; a FIFO or a device is refused rather than read forever.
    ``private``: any file may be named here, so errors stop quoting input from now on."""
    if private:
        _QUOTING.set(False)
    try:
        with path.open("rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise FileReadError(f"{what} is not a regular file", named=True)
            return read_stream(handle, what, limit)
    except OSError as exc:
        reason = literal(str(exc.strerror or exc))
        raise FileReadError(f"cannot read {what}: {reason}", named=True) from None


def stdin(what: str = "standard input", limit: int = MAX_SPEC_CHARS) -> str:
    return read_stream(sys.stdin.buffer, what, limit)


# -- measuring ---------------------------------------------------------------------------------


def check_spec(text: str, what: str = "the spec") -> str:
    """A spec's size and, without recursion, its nesting depth."""
    if len(text) > MAX_SPEC_CHARS:
        raise LimitError(f"{what} has {len(text):,} characters; at most {MAX_SPEC_CHARS:,}")
    return text.removeprefix("\ufeff")


def check_depth(text: str, where: str) -> None:
    """Brackets nested at most MAX_DEPTH deep (JSON, TOML): their parsers recurse per level."""
    depth = 0
    quote = escaped = False
    for char in text:
        if quote:
            escaped, quote = (False, True) if escaped else (char == "\\", char != '"')
        elif char == '"':
            quote = True
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise LimitError(f"brackets nested more than {MAX_DEPTH} deep", where)
        elif char in "]}":
            depth -= 1


def json_integer(text: str, limit: int = MAX_DIGITS) -> int:
    """For ``json.loads(parse_int=...)``: an integer within ``limit`` digits, never refused
    by Python's own limit."""
    if len(text.lstrip("-")) > limit:
        raise LimitError(f"an integer with more than {limit:,} digits")
    return int(text)


def check_expression(text: str, where: str) -> None:
    """Before ``ast`` sees a layer call, a forward method or Keras code: bracket depth,
    operators in one statement and the length of every number, counted in one loop outside
    strings and comments. Python's parser would otherwise recurse (or allocate) once per
    level, and refuse a long integer by its own limit."""
    depth = operators = digits = 0
    quote = ""
    escaped = comment = False
    for char in text:
        if comment:  # a comment runs to the end of its line
            comment = char != "\n"
            if comment:
                continue
        if quote:  # inside a string: only its end matters
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = ""
            continue
        digits = digits + 1 if char.isdigit() else 0
        if digits > MAX_DIGITS:
            raise LimitError(f"a number with more than {MAX_DIGITS:,} digits", where)
        if char == "#":
            comment = True
        elif char == "\n" and depth <= 0:
            operators = 0  # a new statement
        elif char in "'\"":
            quote = char
        elif char in _OPEN:
            depth += 1
            if depth > MAX_DEPTH:
                raise LimitError(f"brackets nested more than {MAX_DEPTH} deep", where)
        elif char in _CLOSE:
            depth -= 1
        elif char in _OPERATORS:
            operators += 1
            if operators > MAX_OPERATORS:
                raise LimitError(
                    f"more than {MAX_OPERATORS} arithmetic operators in {excerpt(text)}", where
                )


def check_integer(value: int, what: str, where: str = "") -> int:
    """An integer explainer can print exactly: fewer than MAX_DIGITS digits."""
    if -_LIMIT < value < _LIMIT:
        return value
    raise LimitError(f"{what} has more than {MAX_DIGITS:,} digits", where)


def check_count(count: int, limit: int, what: str, where: str = "") -> None:
    if count > limit:
        raise LimitError(f"{count:,} {what}; at most {limit:,}", where)
