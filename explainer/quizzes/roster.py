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
from dataclasses import dataclass
from pathlib import Path

from ..errors import ExplainerError

ID_COLUMNS = ("id", "student_id")
# A student's files go into students/<id>/: no separators, no leading dot, no spaces.
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}")
_SEED_BYTES = 6  # 48 bits: at most 15 digits, well inside a problem id's seed field


class RosterError(ExplainerError):
    """A roster that cannot give one variant per student: no id column, a bad or repeated id."""


@dataclass(frozen=True)
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
    try:
        text = path.read_text(encoding="utf-8-sig")  # a spreadsheet's byte-order mark is not text
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise RosterError(f"cannot read the roster {path}: {reason}") from None
    return parse_roster(text, seed, str(path))


def parse_roster(text: str, seed: int, where: str = "roster") -> tuple[Student, ...]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = {(name or "").strip().lower(): name for name in reader.fieldnames or ()}
    id_column = next((columns[c] for c in ID_COLUMNS if c in columns), None)
    if id_column is None:
        found = ", ".join(repr(name) for name in reader.fieldnames or ()) or "none"
        raise RosterError(
            f"{where}: no student id column: the header needs a column id or student_id "
            f"(columns found: {found})"
        )
    name_column = columns.get("name")
    students: list[Student] = []
    first_line: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        student_id = (row.get(id_column) or "").strip()
        if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
            continue  # a blank line, or a row of empty cells from a spreadsheet
        _check_id(student_id, f"{where}, line {line}")
        key = student_id.casefold()  # alice and Alice would share a folder on some disks
        if key in first_line:
            raise RosterError(
                f"{where}, line {line}: student id {student_id!r} repeats the id on line "
                f"{first_line[key]}; every student needs an id of their own"
            )
        first_line[key] = line
        name = (row.get(name_column) or "").strip() if name_column else ""
        students.append(Student(student_id, name, student_seed(seed, student_id)))
    if not students:
        raise RosterError(f"{where}: no students: the roster has a header but no rows")
    return tuple(students)


def _check_id(student_id: str, where: str) -> None:
    if not student_id:
        raise RosterError(f"{where}: no student id")
    if not _SAFE_ID.fullmatch(student_id):
        raise RosterError(
            f"{where}: student id {student_id!r} cannot name a folder: use letters, digits and "
            ". _ @ + - (starting with a letter or digit, at most 64 characters)"
        )
