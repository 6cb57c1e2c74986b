"""What a learning platform grades: every question cut into parts with one answer each.

A table row asks two things (the output shape and the parameters), so it becomes two parts;
every other question is one part. A part is graded as a number (``numerical``: counts, sizes,
argument values, a layer's number), as typed text (``shortanswer``: a shape, with the spellings
a student may type) or by choice (``multichoice``). Pure data for the templates: the answers
are the generator's, read off the engine's solution.
"""

from __future__ import annotations

from ..deriving.formula import ordered
from ..deriving.spec import Shape
from ..records import record
from ..teaching.problems import Choice, Problem, Question, TableRow
from .printing import UnicodePrinter
from .render import group_digits

COUNTS = ("total", "params")  # answers that are parameter counts: grouped like every count
SYMBOLIC = ("formula", "growth")  # answers that are sympy values (topic symbolic)


@record
class Part:
    id: str  # "s7-i0-cnn-easy-table-L3-shape": stable, unique in a quiz
    problem: Problem
    question: Question
    half: str | None  # "shape" or "params" for the two parts of a table row, else None
    grading: str  # "numerical" | "shortanswer" | "multichoice"
    answer: str  # what a platform compares: "416", "16×28×28", or the right option's value
    spellings: tuple[str, ...] = ()  # shortanswer: every accepted way of typing the answer

    @property
    def title(self) -> str:
        return " ".join(filter(None, (self.problem.id, self.question.id, self.half)))

    @property
    def choices(self) -> tuple[Choice, ...]:
        return self.question.choices


def parts(problem: Problem) -> tuple[Part, ...]:
    found: list[Part] = []
    for question in problem.questions:
        answer = question.answer
        base = f"{problem.id}-{question.id}"
        if isinstance(answer, TableRow):
            found.append(_shape_part(f"{base}-shape", problem, question, answer.output_shape))
            found.append(Part(f"{base}-params", problem, question, "params", "numerical",
                              str(answer.params)))  # fmt: skip
        elif isinstance(answer, tuple):
            found.append(_shape_part(base, problem, question, answer))
        elif question.choices:
            found.append(Part(base, problem, question, None, "multichoice", str(answer)))
        else:
            found.append(Part(base, problem, question, None, "numerical", str(answer)))
    return tuple(found)


def _shape_part(ident: str, problem: Problem, question: Question, shape: Shape) -> Part:
    half = "shape" if isinstance(question.answer, TableRow) else None
    spellings = shape_spellings(shape)
    return Part(ident, problem, question, half, "shortanswer", spellings[0], spellings)


def shape_spellings(shape: Shape) -> tuple[str, ...]:
    """16×28×28, 16x28x28, 16, 28, 28, (16, 28, 28), ... (no ``*``: Moodle reads it as a
    wildcard). Platforms compare short answers ignoring case, so X needs no spelling of its own."""
    sizes = [str(size) for size in shape]
    if len(sizes) == 1:
        size = sizes[0]
        return (size, f"({size},)", f"({size})", f"[{size}]", f"[{size},]")
    forms = [
        "×".join(sizes),
        "x".join(sizes),
        " × ".join(sizes),
        " x ".join(sizes),
        ",".join(sizes),
        ", ".join(sizes),
        "(" + ", ".join(sizes) + ")",
        "(" + ",".join(sizes) + ")",
        "[" + ", ".join(sizes) + "]",
        "[" + ",".join(sizes) + "]",
        " ".join(sizes),  # as explainer practice reads them too
    ]
    return tuple(dict.fromkeys(forms))


def answer_text(question: Question) -> str:
    """The answer as the key prints it: counts grouped (12,832), shapes 16×14×14, sizes plain."""
    answer = question.answer
    if isinstance(answer, TableRow):
        return f"{shape_text(answer.output_shape)}, {group_digits(answer.params)}"
    if isinstance(answer, tuple):
        return shape_text(answer)
    if question.asks in SYMBOLIC:  # a formula in named sizes (d·h + h), or a fraction
        return UnicodePrinter().doprint(ordered(answer))
    return group_digits(answer) if question.asks in COUNTS else str(answer)


def shape_text(shape: Shape) -> str:
    return "×".join(str(size) for size in shape)


# -- Canvas: a problem is one "fill in multiple blanks" question, a blank per part -------------

_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def blank(part: Part) -> str:
    """The name of a part's blank in a Canvas question text: ``[L3_shape]``, ``[L3_params]``,
    ``[total]`` for a table, ``[a]``, ``[b]`` for the parts of any other problem (the sheet's
    own labels). Canvas shows the box, never the name."""
    question = part.question
    if question.asks == "row":
        return f"L{question.layer}_{part.half}"
    if question.asks == "total":
        return "total"
    return _LETTERS[part.problem.questions.index(question)]


def typed_spellings(part: Part) -> tuple[str, ...]:
    """Every text a Canvas blank accepts for a part (Canvas compares trimmed, ignoring case, so
    16X28X28 needs no spelling of its own): a shape as Moodle takes it, and with ``*`` too
    (no wildcard in Canvas); a number plain or grouped (12832, 12,832, 12 832, and the Indian
    1,28,320), as ``explainer practice`` reads them."""
    if part.grading == "shortanswer":
        answer = part.question.answer
        shape = answer.output_shape if isinstance(answer, TableRow) else answer
        assert isinstance(shape, tuple)
        sizes = [str(size) for size in shape]
        starred = ("*".join(sizes), " * ".join(sizes)) if len(sizes) > 1 else ()
        return tuple(dict.fromkeys((*part.spellings, *starred)))
    if part.grading == "numerical" and part.answer.isdigit():
        number = int(part.answer)
        grouped = (group_digits(number), group_digits(number, separator=" "))
        return tuple(dict.fromkeys((str(number), *grouped, group_digits(number, "indian"))))
    return (part.answer,)


def canvas_kind(problem: Problem) -> str:
    """A problem of one multiple-choice part is Canvas's multiple choice; any other is one
    fill-in-multiple-blanks question. (The generator asks a choice alone; a choice among typed
    parts would need Canvas's dropdowns, which no problem asks for.)"""
    found = parts(problem)
    if any(part.grading == "multichoice" for part in found):
        assert len(found) == 1, f"{problem.id}: a choice among other parts"
        return "multiple_choice_question"
    return "fill_in_multiple_blanks_question"
