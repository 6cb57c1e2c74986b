"""What a problem asks, item by item, and how each is taught: the hint stages (a step's
formula, then its numbers, then its value; the shapes reaching a layer) and the named
mistakes a wrong answer is matched against."""

from __future__ import annotations

import dataclasses
import random
from dataclasses import field
from typing import Literal, get_args

from ...deriving.solve import LayerResult, Solution, solve
from ...deriving.spec import Architecture
from ...deriving.steps import Step
from ...errors import ExplainerError
from ...records import record
from ...rendering.fade import Blank, blank_last
from ..generate import Choice, Fault, Problem, Question, Working
from ..generate.posing import Stacked
from ..generate.questions import table
from ..problems import Budget, Growth
from .answers import Answer
from .mistakes import (
    Mistake,
    count_mistakes,
    label,
    layer_mistakes,
    same_quantity,
    shape_mistakes,
    total_mistakes,
    written_mistakes,
)

# What a hint shows: a step's formula, its numbers or its value; a layer's shape change; the
# shape reaching a layer; the asked output shape; a part of an inverse problem's working; the
# engine's refusal of a faulty layer; why a layer has no weights.
StageKind = Literal[
    "formula", "numbers", "value", "layer", "incoming", "shape", "working", "fault", "no_params"
]
StepPart = Literal["formula", "numbers", "value"]  # the three hints of one step, in order
WorkingPart = Literal["formula", "equation", "isolated", "substituted", "value"]
BudgetPart = Literal["budget-equation", "budget-root"]  # topic symbolic: a budget's working


@record
class Stage:
    """One hint. ``kind`` says which part it shows:

    ``formula`` / ``numbers`` / ``value`` of ``step`` (of ``layer``, when it has one);
    ``layer`` (the layer's shape change), ``incoming`` (the shape reaching the layer),
    ``shape`` (the asked output shape), ``working`` (``part`` of an inverse problem's working:
    formula, equation, isolated, substituted, value) and ``fault`` (the engine's refusal).
    """

    kind: StageKind
    step: Step | None = None
    layer: LayerResult | None = None
    working: Working | Budget | None = field(default=None, compare=False)
    part: WorkingPart | BudgetPart | Literal[""] = ""
    fault: Fault | None = None
    written: str = ""  # the layer as the student sees it (a faulty one is fixed in the solution)


@record
class Item:
    """One answer asked for."""

    prompt: str
    answer: Answer
    stages: tuple[Stage, ...]
    mistakes: tuple[Mistake, ...] = ()
    asks: str = "count"  # a Question's asks ("params", "layer", ...), or "blank"
    shape: bool = False  # the answer is a shape
    choices: tuple[Choice, ...] = ()
    blank: Blank | None = None  # a faded step: its rule is asked for before its value
    number: int = 1  # of a problem's blanks
    blanks: int = 1
    sizes: tuple[str, ...] = ()  # topic symbolic: the named sizes a formula answer may use


def items(problem: Problem) -> tuple[Item, ...]:
    """What a generated problem asks, one item per question."""
    return tuple(_item(problem, question) for question in problem.questions)


def _item(problem: Problem, question: Question) -> Item:
    solution = problem.solution
    result = solution.layers[question.layer - 1] if question.layer is not None else None
    answer = question.answer
    if question.asks in NAMED_ASKS:
        return _named_item(problem, question)
    if question.asks == "output_shape" and result is not None and isinstance(answer, tuple):
        return Item(question.prompt, answer, _shape_stages(solution, result),
                    shape_mistakes(result), question.asks, shape=True)  # fmt: skip
    if not isinstance(answer, int):
        raise TypeError(f"practice asks no {question.asks} questions")
    if question.asks == "total":
        stages, mistakes = _step_stages(solution.total, None), total_mistakes(solution)
    elif question.asks == "layer" and problem.fault is not None:
        stages, mistakes = _fault_stages(problem, problem.fault), layer_mistakes(problem)
    elif question.asks == "argument" and result is not None:
        stages, mistakes = _argument_stages(problem, question), written_mistakes(problem)
    elif result is not None:
        step = _asked_step(result, question)
        mistakes = count_mistakes(result, step.quantity, solution)
        climb = _chain(solution, result) if _needs_chain(solution, result, step) else ()
        stages = (*climb, *_step_stages(step, result))
    else:
        raise TypeError(f"practice asks no {question.asks} questions without a layer")
    return Item(question.prompt, answer, stages, mistakes, question.asks, choices=question.choices)


# -- topic symbolic: a formula, a budget, a growth factor ---------------------------------------

NAMED_ASKS = ("formula", "budget", "growth")


def _named_item(problem: Problem, question: Question) -> Item:
    """A question of topic symbolic: hints from its own working, and its named mistakes."""
    working = question.symbolic
    if isinstance(working, Budget):
        stages: tuple[Stage, ...] = (
            Stage("formula", working.total),
            Stage("numbers", working.total),
            Stage("working", working=working, part="budget-equation"),
            Stage("working", working=working, part="budget-root"),
            *(Stage("value", step) for step in working.unknown.checks),
        )
    elif isinstance(working, Growth):
        stages = (*(Stage("value", step) for step in working.steps[:2]),
                  *_step_stages(working.steps[2], None))  # fmt: skip
    else:  # the formula: each layer's count in the sizes, then the total
        stages = _formula_stages(problem.solution)
    mistakes = tuple(
        Mistake(m.value, m.description, m.step if question.asks == "growth" else None)
        for m in (*question.mistakes, *(c.misconception for c in question.choices))
        if m is not None
    )
    return Item(question.prompt, question.answer, stages, mistakes, question.asks,
                choices=question.choices, sizes=question.sizes)  # fmt: skip


def _formula_stages(solution: Solution) -> tuple[Stage, ...]:
    """Each layer's count as a formula, then in the sizes, then the total. The step says its
    layer (no box sits under a layer here, as a table's does)."""
    steps = [
        dataclasses.replace(step, quantity=f"layer {layer.index}, {layer.spec.text}: parameters")
        for layer in solution.layers
        if (step := layer.params_step) is not None
    ]
    return (
        *(Stage("formula", step) for step in steps),
        *(Stage("value", step) for step in steps),
        Stage("value", solution.total),
    )


def row_items(problem: Problem, question: Question) -> tuple[Item, Item]:
    """A table row's two items, its output shape then its parameters, each with its hints
    starting at its own layer (the rows above are asked before it)."""
    assert question.layer is not None
    solution = problem.solution
    result = solution.layers[question.layer - 1]
    where = f"Layer {result.index}, {result.spec.text}"
    shape = Item(f"{where}: output shape?", result.output_shape, _shape_stages(solution, result),
                 shape_mistakes(result), "output_shape", shape=True)  # fmt: skip
    if result.params_step is None:  # no weights: the one hint says why
        stages: tuple[Stage, ...] = (Stage("no_params", layer=result),)
        params = Item(f"{where}: parameters?", result.params, stages, asks="params")
    else:
        step = result.params_step
        mistakes = count_mistakes(result, step.quantity, solution)
        params = Item(f"{where}: parameters?", result.params, _step_stages(step, result),
                      mistakes, "params")  # fmt: skip
    return from_its_layer(shape, result), from_its_layer(params, result)


def table_items(problem: Problem) -> tuple[Item, ...]:
    """The handout's exam table asked layer by layer: each row's shape, then its parameters;
    then the total."""
    found: list[Item] = []
    for question in problem.questions:
        if question.asks == "row":
            found += row_items(problem, question)
        else:
            found.append(_item(problem, question))
    return tuple(found)


def table_problem(solution: Solution, spec: str, name: str) -> Problem:
    """The handout's exam table on a network of one's own (a spec, a bundled example): every
    layer's output shape and parameters, and the total. Its id is ``name``."""
    architecture = Architecture(
        tuple(layer.spec for layer in solution.layers),
        solution.input_shape,
        framework=solution.framework,
    )
    stacked = Stacked("example", architecture, spec, solution)
    posed = table(random.Random(name), stacked)
    return Problem(
        id=name,
        kind="table",
        topic="example",
        difficulty="",
        spec=spec,
        architecture=architecture,
        statement=posed.statement,
        shown_spec=spec.strip(),
        questions=posed.questions,
        solution=solution,
    )


def faded_items(solution: Solution, count: int) -> tuple[Item, ...]:
    """A faded worked example: one item per blank step, the earliest blank first."""
    blanks = blank_last(solution, count).blanks
    made = []
    for number, blank in enumerate(blanks, 1):
        layer = blank.layer
        mistakes = (
            total_mistakes(solution)
            if layer is None
            else count_mistakes(layer, blank.step.quantity, solution)
        )
        prompt = blank.step.quantity if layer is None else f"{label(layer)}: {blank.step.quantity}"
        stages = _step_stages(blank.step, layer)
        made.append(Item(prompt, blank.step.value, stages, mistakes, "blank", blank=blank,
                         number=number, blanks=len(blanks)))  # fmt: skip
    return tuple(made)


def _asked_step(result: LayerResult, question: Question) -> Step:
    """The step that gives a layer's count (``params``) or one output size (``output_size``)."""
    if question.asks == "params" and result.params_step is not None:
        return result.params_step
    wanted = f"output {question.axis}"
    for step in result.steps:
        if same_quantity(step.quantity, wanted):
            return step
    raise TypeError(f"layer {result.index} has no step for {question.asks} {question.axis}")


def _step_stages(step: Step, layer: LayerResult | None) -> tuple[Stage, ...]:
    return tuple(Stage(kind, step, layer) for kind in get_args(StepPart))


def _shape_stages(solution: Solution, result: LayerResult) -> tuple[Stage, ...]:
    """Every size before the layer, each worked out (the floor chain), then its own steps."""
    own = [stage for step in result.steps if step is not result.params_step
           for stage in _step_stages(step, result)]  # fmt: skip
    return (*_chain(solution, result), *own, Stage("shape", layer=result))


def _chain(solution: Solution, result: LayerResult) -> tuple[Stage, ...]:
    """The sizes reaching ``result``: each layer before it that changes the shape, with its
    size steps worked out in full (300 → 100 → 33 → 18 through the floors), else one line."""
    stages: list[Stage] = []
    for layer in solution.layers[: result.index - 1]:
        if layer.output_shape == layer.input_shape:
            continue
        sizes = [step for step in layer.steps if step is not layer.params_step]
        stages += [Stage("value", step, layer) for step in sizes] or [Stage("layer", layer=layer)]
    return tuple(stages)


def _needs_chain(solution: Solution, result: LayerResult, step: Step) -> bool:
    """Whether a count takes a number from the incoming shape that the layer does not write
    (FC(37) counts the 18 features reaching it; Linear(18, 37) and a convolution's spatial
    size do not): solved on a shape one larger, its count changes."""
    if result.index == 1:
        return False
    if step is not result.params_step:  # a size: its W is the size reaching the layer
        return True
    shape = result.input_shape
    larger = Architecture(
        (result.spec,), (*shape[:-1], shape[-1] + 1), framework=solution.framework
    )
    try:
        return solve(larger).total_params != result.params
    except ExplainerError:  # the layer writes its input size: the chain is not needed
        return False


def from_its_layer(item: Item, result: LayerResult) -> Item:
    """The item with its hints starting at its own layer: the shape reaching it is given
    (a table's box under its row; the rows above are boxes of their own)."""
    own = tuple(s for s in item.stages if s.layer is None or s.layer.index == result.index)
    if result.index == 1:  # what reaches it is the input shape, stated with the problem
        return dataclasses.replace(item, stages=own)
    given = Stage("incoming", layer=result, written=result.spec.text)
    return dataclasses.replace(item, stages=(given, *own))


def _fault_stages(problem: Problem, fault: Fault) -> tuple[Stage, ...]:
    incoming = [_incoming(problem, index) for index in range(1, fault.layer + 1)]
    return (*incoming, Stage("fault", fault=fault))


def _incoming(problem: Problem, index: int) -> Stage:
    """The shape reaching layer ``index``, the layer written as the (faulty) spec has it."""
    written = problem.architecture.layers[index - 1].text
    return Stage("incoming", layer=problem.solution.layers[index - 1], written=written)


def _argument_stages(problem: Problem, question: Question) -> tuple[Stage, ...]:
    if problem.fault is not None:
        return (_incoming(problem, problem.fault.layer), Stage("fault", fault=problem.fault))
    working = question.working
    return tuple(Stage("working", working=working, part=part) for part in get_args(WorkingPart))
