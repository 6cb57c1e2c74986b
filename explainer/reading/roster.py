"""A class roster: one quiz variant per student, each seeded from the student's id.

The roster is a CSV file with a header. The id column is ``id`` or ``student_id`` (any case);
``name`` is optional; other columns are ignored. A student's variant is the quiz of a seed
derived from the quiz seed and the id with SHA-256 (never ``hash()``, which changes between
processes), so ``explainer quiz --seed <that seed>`` regenerates one student's sheet alone.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator
from pathlib import Path

from ..boundary import (
    MAX_FIELD_CHARS,
    MAX_FILE_BYTES,
    MAX_ROSTER_ROWS,
    LimitError,
    excerpt,
    read_file,
)
from ..errors import ExplainerError, literal
from ..records import record

ID_COLUMNS = ("id", "student_id")
# A student's files go into students/<id>/: no separators, no leading dot, no spaces.
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}")
_SEED_BYTES = 6  # 48 bits: at most 15 digits, well inside a problem id's seed field


class RosterError(ExplainerError):
    """A roster that cannot give one variant per student: no id column, a bad or repeated id."""


@record
class Student:
    id: str
    name: str
    seed: int  # the seed of this student's variant


_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O, U


def variant_code(seed: int) -> str:
    """The short code a sheet carries instead of its seed, e.g. ``7KQ2-M9PX``: 40 bits of
    SHA-256, which only the key and the grader's table resolve (they print the seed beside
    it). It hides the seed as well as the seed's range does: a seed drawn at random (no
    ``--seed``) cannot be found from it; a small chosen seed such as 7 can be, by trying."""
    digest = hashlib.sha256(f"explainer-variant:{seed}".encode()).digest()
    number = int.from_bytes(digest[:5], "big")
    letters = "".join(_CODE_ALPHABET[(number >> (5 * i)) & 31] for i in reversed(range(8)))
    return f"{letters[:4]}-{letters[4:]}"


def student_seed(seed: int, student_id: str) -> int:
    digest = hashlib.sha256(f"{seed}:{student_id}".encode()).digest()
    return int.from_bytes(digest[:_SEED_BYTES], "big")


def read_roster(path: Path, seed: int) -> tuple[Student, ...]:
    where = f"the roster {path}"
    # The boundary drops a spreadsheet's byte-order mark and refuses what is not UTF-8.
    return parse_roster(read_file(path, literal(where), MAX_FILE_BYTES), seed, str(path))


def parse_roster(text: str, seed: int, where: str = "roster") -> tuple[Student, ...]:
    """Strictly: a quote left open, a row with more or fewer cells than the header, an
    over-long cell or a header without an id column is an error naming its line, never a
    student silently lost or folded into another's name."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows = _rows(reader, where)
    if not rows:
        raise RosterError(
            f"{where}: empty: no student id column (the header needs id or student_id)"
        )
    header = rows[0][1]
    columns = {name.strip().lower(): index for index, name in enumerate(header)}
    id_column = next((columns[c] for c in ID_COLUMNS if c in columns), None)
    if id_column is None:
        raise RosterError(f"{where}, line 1: no student id column: {_header_hint(header)}")
    name_column = columns.get("name")
    students: list[Student] = []
    first_line: dict[str, int] = {}
    for line, cells in rows[1:]:
        if not any(cell.strip() for cell in cells):
            continue  # a blank line, or a row of empty cells from a spreadsheet
        if len(cells) != len(header):
            raise RosterError(
                f"{where}, line {line}: {len(cells)} cells where the header has {len(header)}"
                " (a comma too many or too few, or a quote left open?)"
            )
        student_id = cells[id_column].strip()
        _check_id(student_id, f"{where}, line {line}")
        key = student_id.casefold()  # alice and Alice would share a folder on some disks
        if key in first_line:
            raise RosterError(
                f"{where}, line {line}: student id {student_id!r} repeats the id on line "
                f"{first_line[key]}; every student needs an id of their own"
            )
        first_line[key] = line
        name = cells[name_column].strip() if name_column is not None else ""
        students.append(Student(student_id, name, student_seed(seed, student_id)))
    if not students:
        raise RosterError(f"{where}: no students: the roster has a header but no rows")
    return tuple(students)


def _rows(reader: Iterator[list[str]], where: str) -> list[tuple[int, list[str]]]:
    """Every row with the line it starts on; csv's own errors become ours, with the line."""
    rows: list[tuple[int, list[str]]] = []
    line = 1
    try:
        for cells in reader:
            rows.append((line, cells))
            line = reader.line_num + 1  # type: ignore[attr-defined]
            if len(rows) > MAX_ROSTER_ROWS + 1:
                raise LimitError(f"{where}: more than {MAX_ROSTER_ROWS:,} rows")
            for cell in cells:
                if len(cell) > MAX_FIELD_CHARS:
                    raise LimitError(
                        f"{where}, line {rows[-1][0]}: a cell of {len(cell):,} characters; "
                        f"at most {MAX_FIELD_CHARS:,}"
                    )
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):  # csv's own limit, far above ours
            raise LimitError(
                f"{where}, line {line}: a cell longer than {MAX_FIELD_CHARS:,} characters"
            ) from None
        raise RosterError(f"{where}, line {line}: not valid CSV: {exc}") from None
    return rows


def _header_hint(header: list[str]) -> str:
    found = ", ".join(excerpt(name) for name in header[:5]) or "none"
    for delimiter, called in ((";", "semicolons"), ("\t", "tabs"), ("|", "bars")):
        if len(header) == 1 and delimiter in header[0]:
            return (
                f"the header is one cell {found}: the roster is separated by {called}, not commas"
            )
    return f"the header needs a column id or student_id (columns found: {found})"


def _check_id(student_id: str, where: str) -> None:
    if not student_id:
        raise RosterError(f"{where}: no student id")
    if not _SAFE_ID.fullmatch(student_id):
        raise RosterError(
            f"{where}: student id {excerpt(student_id)} cannot name a folder: use letters, "
            "digits and . _ @ + - (starting with a letter or digit, at most 64 characters)"
        )
