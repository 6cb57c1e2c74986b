"""Quiz -> the JSON contract::

    {"seed": 7, "topic": "cnn", "difficulty": "easy", "kinds": [...],
     "problems": [{"id": "s7-i0-cnn-easy-table", "kind": ..., "topic": ..., "difficulty": ...,
                   "spec": "<chain notation that explainer solve accepts>", "input_shape": [...],
                   "statement": ..., "shown_spec": ...,
                   "questions": [{"id": ..., "prompt": ..., "answer": ..., "asks": ...,
                                  "layer": ..., "choices": [...]?, "working": {...}?}],
                   "corrected_spec": ...?, "fault": {...}?,
                   "solution": <explainer.rendering.render.to_json of the solved spec>}]}

``choices`` only for multiple choice, ``working`` only for inverse problems, ``corrected_spec``
and ``fault`` only for find-the-error. Formulas print like the solution's steps (our ordered
printers); the isolated unknown of an inverse problem is the form sympy.solve gives.
"""

from __future__ import annotations

import json
from typing import Any

import sympy

from ..deriving.layers.base import Misconception
from ..teaching.problems import (
    Answer,
    Budget,
    Choice,
    Fault,
    Growth,
    Problem,
    Question,
    Quiz,
    TableRow,
)
from .render import step_json
from .render import to_json as solution_json
from .workings import working_json


def dumps(quiz: Quiz) -> str:
    return json.dumps(to_json(quiz), indent=2, ensure_ascii=False) + "\n"


def to_json(quiz: Quiz) -> dict[str, Any]:
    return {
        "seed": quiz.seed,
        "topic": quiz.topic,
        "difficulty": quiz.difficulty,
        "kinds": list(quiz.kinds),
        "problems": [problem_json(problem) for problem in quiz.problems],
    }


def problem_json(problem: Problem) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": problem.id,
        "kind": problem.kind,
        "topic": problem.topic,
        "difficulty": problem.difficulty,
        "spec": problem.spec,
        "input_shape": shape_json(problem.input_shape),
        "statement": problem.statement,
        "shown_spec": problem.shown_spec,
        "questions": [_question_json(question) for question in problem.questions],
    }
    if problem.corrected_spec is not None:
        data["corrected_spec"] = problem.corrected_spec
    if problem.fault is not None:
        data["fault"] = _fault_json(problem.fault)
    data["solution"] = solution_json(problem.solution)
    return data


def _question_json(question: Question) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": question.id,
        "prompt": question.prompt,
        "answer": answer_json(question.answer),
        "asks": question.asks,
        "layer": question.layer,
    }
    if question.argument is not None:
        data["argument"] = question.argument
    if question.axis is not None:
        data["axis"] = question.axis
    if question.choices:
        data["choices"] = [_choice_json(choice) for choice in question.choices]
    if question.working is not None:
        data["working"] = working_json(question.working)
    if question.sizes:
        data["sizes"] = list(question.sizes)
    if question.mistakes:
        data["mistakes"] = [_mistake_json(mistake) for mistake in question.mistakes]
    if question.symbolic is not None:
        data["symbolic_working"] = symbolic_json(question.symbolic)
    return data


def answer_json(answer: Answer) -> Any:
    """Numbers as numbers; a formula or a fraction (topic symbolic) as sympy's ``str``, the
    form of the solution's ``total_expr``."""
    if isinstance(answer, TableRow):
        return {"output_shape": list(answer.output_shape), "params": answer.params}
    if isinstance(answer, tuple):
        return list(answer)
    if isinstance(answer, sympy.Basic):
        return int(answer) if answer.is_Integer else str(answer)
    return answer


def shape_json(shape: tuple[Any, ...]) -> list[Any]:
    """A shape's sizes: ints, or a named size's ``str`` (topic symbolic)."""
    return [answer_json(size) for size in shape]


def _mistake_json(mistake: Misconception) -> dict[str, Any]:
    return {
        "misconception": mistake.key,
        "description": mistake.description,
        "value": answer_json(mistake.value),
    }


def symbolic_json(working: Budget | Growth) -> dict[str, Any]:
    """A budget question's working (explainer.deriving.unknown's) or a growth question's ratio."""
    if isinstance(working, Budget):
        unknown = working.unknown
        return {
            "unknown": working.name,
            "given": dict(working.given),
            "budget": unknown.target,
            "total_expr": str(unknown.total),
            "roots": [str(root) for root in unknown.roots],
            "root": str(unknown.root),
            "answer": unknown.answer,
            "checks": [step_json(step) for step in unknown.checks],
        }
    return {
        "scaled": working.name,
        "scale": working.scale,
        "given": dict(working.given),
        "total_expr": str(working.total),
        "scaled_expr": str(working.scaled),
        "ratio_expr": str(working.ratio),
        "before": working.before,
        "after": working.after,
        "factor": str(working.factor),
    }


def _choice_json(choice: Choice) -> dict[str, Any]:
    mistake = choice.misconception
    return {
        "label": choice.label,
        "value": answer_json(choice.value),
        "correct": choice.correct,
        "misconception": mistake.key if mistake else None,
        "description": mistake.description if mistake else None,
        "step": step_json(mistake.step) if mistake else None,
    }


def _fault_json(fault: Fault) -> dict[str, Any]:
    return {
        "layer": fault.layer,
        "argument": fault.argument,
        "written": fault.written,
        "right": fault.right,
        "mistake": fault.mistake,
        "description": fault.description,
        "message": fault.message,
    }
