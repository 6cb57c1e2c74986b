"""Quizzes: a seed's generated problems as a question sheet and an answer key with worked
solutions, in a document format or as a learning platform's import file.

Files (``explainer quiz -o DIR``)
---------------------------------

==========  ===================================  ==========================================
format      sheet                                key
==========  ===================================  ==========================================
markdown    quiz.md (``inline``: answers folded  key.md
            into ``<details>``, no key.md)
latex       quiz.tex (``exam`` class)            key.tex: the same with ``\\printanswers``
html        quiz.html (``inline`` as markdown)   key.html
json        quiz.json (no answers)               key.json (``generate.quiz_json``)
moodle      quiz.moodle.xml: Moodle XML, answers and worked solutions as feedback
gift        quiz.gift: GIFT, the same
qti         quiz.qti.xml, and quiz.qti.zip with its manifest (what Canvas imports)
anki        quiz.apkg: an Anki deck, a note per question with its worked answer (genanki)
==========  ===================================  ==========================================

With a roster, every student's files go into ``students/<id>/`` (the variant of a seed derived
from the seed and the id), and DIR gets one combined file for the grader: ``key.<ext>`` with
every student's answers, or for a platform one import file holding every variant (for QTI,
the zip alone: one Canvas quiz per student, titled with the variant's code).

Everything is rendered in memory first; :func:`write_tree` then writes it all or nothing.
The same arguments give byte-identical files in any process.
"""

from __future__ import annotations

# Light on purpose: the CLI reads these at start-up; the work is in .make (which imports the
# generator and sympy) and is imported on use.
FORMATS = ("markdown", "latex", "html", "json", "moodle", "gift", "qti", "anki")
PLATFORMS = ("moodle", "gift", "qti")  # one import file that carries the answers as feedback
INLINE = ("markdown", "html")  # formats that can fold the answers into the sheet
ANSWERS = ("separate", "inline")
FRAMEWORKS = ("pytorch", "keras")  # keras: explainer.generate.keras writes the problems
PLANNED_FRAMEWORKS: tuple[str, ...] = ()

__all__ = ["ANSWERS", "FORMATS", "FRAMEWORKS", "INLINE", "PLANNED_FRAMEWORKS", "PLATFORMS"]
