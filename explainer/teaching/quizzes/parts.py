"""What a learning platform grades: every question cut into parts with one answer each.

A table row asks two things (the output shape and the parameters), so it becomes two parts;
every other question is one part. A part is graded as a number (``numerical``: counts, sizes,
argument values, a layer's number), as typed text (``shortanswer``: a shape, with the spellings
a student may type) or by choice (``multichoice``). Pure data for the templates: the answers
are the generator's, read off the engine's solution.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...deriving.spec import Shape
from ...rendering.render import group_digits
from ..generate import Choice, Problem, Question, TableRow

COUNTS = ("total", "params")  # answers that are parameter counts: grouped like every count


@dataclass(frozen=True)
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
    return group_digits(answer) if question.asks in COUNTS else str(answer)


def shape_text(shape: Shape) -> str:
    return "×".join(str(size) for size in shape)
