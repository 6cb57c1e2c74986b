"""Notes -> an Anki collection (``collection.anki2``), with genanki, the same bytes every time.

genanki stamps notes, cards and the model with the time of writing and numbers notes and
cards from it; here the time is fixed by the caller, and the deck and model ids too, and the
collection is built in memory (SQLite's own bytes, no temporary file whose mtime would reach
the zip). The zip around it is the caller's (:mod:`.quiz_documents`), with fixed dates.

genanki is an optional extra (``pip install 'explainer[anki]'``): without it ``--format anki``
is refused in one line before anything is generated.
"""

from __future__ import annotations

import hashlib
import itertools
import sqlite3

from ..errors import OptionError
from ..records import record

MODEL_NAME = "explainer question"
# One model for every deck explainer writes, so that Anki keeps one note type for all of them.
_MODEL_KEY = "explainer-anki-model-1"
_EPOCH = 1_700_000_000  # the notes' time: fixed, then moved by the deck's own hash (see ids)


class AnkiError(OptionError):
    """Anki output asked for without genanki installed."""


@record
class Note:
    guid_key: str  # what the note's guid is derived from (stable across runs: the problem id)
    question: str  # HTML
    answer: str  # HTML
    tags: tuple[str, ...]


def check_available() -> None:
    try:
        import genanki  # noqa: F401
    except ImportError:
        raise AnkiError(
            "{fmt} anki needs genanki, an optional extra: pip install 'explainer[anki]'"
        ) from None


def _number(key: str, low: int, span: int) -> int:
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return low + int.from_bytes(digest[:8], "big") % span


def ids(deck_key: str) -> tuple[int, int, int]:
    """The deck's id, the model's id and the notes' time, from the deck's key (a variant's
    code): the same key gives the same ids in any process; two decks differ in all three, so
    Anki numbers their notes apart."""
    deck_id = _number(f"explainer-anki-deck:{deck_key}", 1 << 30, 1 << 30)
    model_id = _number(_MODEL_KEY, 1 << 30, 1 << 30)
    timestamp = _EPOCH + _number(f"explainer-anki-time:{deck_key}", 0, 10**7)
    return deck_id, model_id, timestamp


def collection(deck_name: str, deck_key: str, css: str, notes: tuple[Note, ...]) -> bytes:
    """The SQLite collection of one deck of front/back notes."""
    import genanki

    deck_id, model_id, timestamp = ids(deck_key)
    model = genanki.Model(
        model_id,
        MODEL_NAME,
        fields=[{"name": "Question"}, {"name": "Answer"}],
        templates=[
            {
                "name": "Question and worked answer",
                "qfmt": "{{Question}}",
                "afmt": '{{FrontSide}}<hr id="answer">{{Answer}}',
            }
        ],
        css=css,
    )
    deck = genanki.Deck(deck_id, deck_name)
    for note in notes:
        deck.add_note(
            genanki.Note(
                model=model,
                fields=[note.question, note.answer],
                guid=genanki.guid_for("explainer", note.guid_key),
                tags=list(note.tags),
            )
        )
    connection = sqlite3.connect(":memory:")
    try:
        # The note and card ids count up from the time in milliseconds, as genanki's own writer.
        numbers = itertools.count(timestamp * 1000)
        genanki.Package(deck).write_to_db(connection.cursor(), timestamp, numbers)
        connection.commit()
        return connection.serialize()
    finally:
        connection.close()
