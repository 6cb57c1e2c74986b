"""`explainer practice`: problems one at a time, each answer checked exactly, hints step by step.

A :class:`Session` is a state machine fed one line of input at a time; every call returns the
text to print, rendered from ``templates/text/practice/*.txt``. It does no I/O, so it is
tested without a terminal, and the CLI only reads lines and prints.

A problem is a generated one (the kinds of :mod:`explainer.teaching.generate` but the long
``table``), or with ``fade`` a worked solution whose last steps are blank. It asks one or more
*items*.
An answer (:func:`parse_answer`) is compared exactly; a wrong one is matched against the named
mistakes of the derivation (the layer's misconceptions, a layer's mistake inside a total, the
batch or the channels in the wrong place of a shape) and the difference is said in numbers.
``h`` reveals the next hint stage (a step's formula, then its numbers, then its value), ``s``
the whole solution, ``q`` ends. Two clean problems in a row (right at the first try, no hint)
step the difficulty up; a miss (a wrong answer, the solution shown, no answer) steps it down.
"""

from __future__ import annotations

import dataclasses
import math
import random
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from ..deriving.layers.sizes import AXES
from ..deriving.solve import LayerResult, Solution, solve
from ..deriving.spec import Architecture, Shape
from ..deriving.steps import Step
from ..errors import ExplainerError
from ..rendering.fade import Blank, blank_last
from ..rendering.quiz_json import problem_json
from ..rendering.render import render, render_practice
from .generate import DIFFICULTIES, Choice, Fault, Problem, ProblemId, Question, problem_from_id
from .generate.ids import check_count, check_options, check_seed, kinds_for
from .generate.posing import Stacked
from .generate.questions import table

Answer = int | Shape

# -- reading an answer -----------------------------------------------------------------------

_INT = re.compile(r"[0-9]+")
_WESTERN = re.compile(r"[0-9]{1,3}(?:([,_ ])[0-9]{3})(?:\1[0-9]{3})*")
_INDIAN = re.compile(r"[0-9]{1,2}(?:([,_ ])[0-9]{2})(?:\1[0-9]{2})*\1[0-9]{3}")
_TIMES = re.compile(r"[0-9]+(?:\s*[x×*]\s*[0-9]+)+", re.IGNORECASE)
_BRACKETS = re.compile(r"\[(?P<list>[^\[\]]*)\]|\((?P<tuple>[^()]*)\)")
_LIST_ITEM = re.compile(r"\s*(-?[0-9]+)\s*")
_BARE_LIST = re.compile(r"[0-9]+(?:\s*,\s*[0-9]+)+|[0-9]+(?:\s+[0-9]+)+")


def parse_answer(text: str, *, axes: int = 0) -> Answer | None:
    """An integer or a shape, or None when ``text`` is neither.

    Integers may group their digits with ``,``, ``_`` or spaces, the western way (883,530) or
    the Indian way (8,83,530). Shapes are ``16x14x14`` (or ×, *), ``[16, 14, 14]`` or
    ``(16,14,14)``; a leading ``-1`` (torchsummary's batch) is kept. Where a shape of ``axes``
    axes is asked (not 0), bare ``16,14,14`` and ``16 14 14`` are shapes too; ``3,136`` is
    then a number unless two axes are asked.
    """
    text = text.strip()
    bare = axes and _BARE_LIST.fullmatch(text)
    if bare and (axes == 2 or not _grouped(text)):
        return tuple(int(part) for part in re.split(r"[\s,]+", text))
    number = _integer(text)
    if number is not None:
        return number
    if _TIMES.fullmatch(text):
        return tuple(int(part) for part in re.split(r"\s*[x×*]\s*", text, flags=re.IGNORECASE))
    return _bracketed(text)


def _integer(text: str) -> int | None:
    if _INT.fullmatch(text):
        return int(text)
    if _WESTERN.fullmatch(text) or _INDIAN.fullmatch(text):
        return int(re.sub(r"[,_ ]", "", text))
    return None


def _grouped(text: str) -> bool:
    """``1,216`` reads as one grouped number even where a shape is asked; ``16,14,14`` not."""
    return text.count(",") == 1 and bool(_WESTERN.fullmatch(text)) and " " not in text


def _bracketed(text: str) -> Shape | None:
    match = _BRACKETS.fullmatch(text)
    if match is None:
        return None
    inner = (match["list"] if match["list"] is not None else match["tuple"]).rstrip().rstrip(",")
    parts = [_LIST_ITEM.fullmatch(part) for part in inner.split(",")]
    if not inner or any(part is None for part in parts):
        return None
    sizes = tuple(int(part[1]) for part in parts if part is not None)
    if any(size < 0 for size in sizes[1:]) or (sizes[0] < 0 and sizes[0] != -1):
        return None
    return sizes


# -- what an item asks and how it is taught --------------------------------------------------


@dataclass(frozen=True)
class Stage:
    """One hint. ``kind`` says which part it shows:

    ``formula`` / ``numbers`` / ``value`` of ``step`` (of ``layer``, when it has one);
    ``layer`` (the layer's shape change), ``incoming`` (the shape reaching the layer),
    ``shape`` (the asked output shape), ``working`` (``part`` of an inverse problem's working:
    formula, equation, isolated, substituted, value) and ``fault`` (the engine's refusal).
    """

    kind: str
    step: Step | None = None
    layer: LayerResult | None = None
    working: Mapping[str, Any] | None = field(default=None, compare=False)
    part: str = ""
    fault: Fault | None = None
    written: str = ""  # the layer as the student sees it (a faulty one is fixed in the solution)


@dataclass(frozen=True)
class Mistake:
    """A named wrong answer: ``value`` is what it gives, ``step`` its derivation (if any)."""

    value: Answer
    description: str
    step: Step | None = None
    where: str = ""  # "layer 3, Linear(64, 10)": the layer a mistake in a total was made in
    axis: int | None = None  # a shape's axis the mistake changes (a position: -2 = height)


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class Verdict:
    """How a wrong answer differs from the right one, for the feedback template."""

    mistake: Mistake | None
    difference: int | None = None  # answer - right: only its sign is said, never its size
    what: str = "your answer"  # "the height in your answer"
    axes: tuple[tuple[str, bool], ...] = ()  # a shape of the right length: each axis, right?
    dims: tuple[int, int] | None = None  # a shape of the wrong length: (given, right)
    also: tuple[Mistake, ...] = ()  # other named mistakes that give the same answer


def items(problem: Problem) -> tuple[Item, ...]:
    """What a generated problem asks, one item per question."""
    return tuple(_item(problem, question) for question in problem.questions)


def _item(problem: Problem, question: Question) -> Item:
    solution = problem.solution
    result = solution.layers[question.layer - 1] if question.layer is not None else None
    answer = question.answer
    if question.asks == "output_shape" and result is not None and isinstance(answer, tuple):
        return Item(question.prompt, answer, _shape_stages(solution, result),
                    _shape_mistakes(result), question.asks, shape=True)  # fmt: skip
    if not isinstance(answer, int):
        raise TypeError(f"practice asks no {question.asks} questions")
    if question.asks == "total":
        stages, mistakes = _step_stages(solution.total, None), _total_mistakes(solution)
    elif question.asks == "layer" and problem.fault is not None:
        stages, mistakes = _fault_stages(problem, problem.fault), _layer_mistakes(problem)
    elif question.asks == "argument" and result is not None:
        stages, mistakes = _argument_stages(problem, question), _written(problem)
    elif result is not None:
        step = _asked_step(result, question)
        mistakes = _count_mistakes(result, step.quantity, solution)
        climb = _chain(solution, result) if _needs_chain(solution, result, step) else ()
        stages = (*climb, *_step_stages(step, result))
    else:
        raise TypeError(f"practice asks no {question.asks} questions without a layer")
    return Item(question.prompt, answer, stages, mistakes, question.asks, choices=question.choices)


def row_items(problem: Problem, question: Question) -> tuple[Item, Item]:
    """A table row's two items, its output shape then its parameters, each with its hints
    starting at its own layer (the rows above are asked before it)."""
    assert question.layer is not None
    solution = problem.solution
    result = solution.layers[question.layer - 1]
    where = f"Layer {result.index}, {result.spec.text}"
    shape = Item(f"{where}: output shape?", result.output_shape, _shape_stages(solution, result),
                 _shape_mistakes(result), "output_shape", shape=True)  # fmt: skip
    if result.params_step is None:  # no weights: the one hint says why
        stages: tuple[Stage, ...] = (Stage("no_params", layer=result),)
        params = Item(f"{where}: parameters?", result.params, stages, asks="params")
    else:
        step = result.params_step
        mistakes = _count_mistakes(result, step.quantity, solution)
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
            _total_mistakes(solution)
            if layer is None
            else _count_mistakes(layer, blank.step.quantity, solution)
        )
        prompt = blank.step.quantity if layer is None else f"{_label(layer)}: {blank.step.quantity}"
        stages = _step_stages(blank.step, layer)
        made.append(Item(prompt, blank.step.value, stages, mistakes, "blank", blank=blank,
                         number=number, blanks=len(blanks)))  # fmt: skip
    return tuple(made)


def _label(layer: LayerResult) -> str:
    return f"layer {layer.index}, {layer.spec.text}"


def _asked_step(result: LayerResult, question: Question) -> Step:
    """The step that gives a layer's count (``params``) or one output size (``output_size``)."""
    if question.asks == "params" and result.params_step is not None:
        return result.params_step
    wanted = f"output {question.axis}"
    for step in result.steps:
        if _same_quantity(step.quantity, wanted):
            return step
    raise TypeError(f"layer {result.index} has no step for {question.asks} {question.axis}")


def _same_quantity(step_quantity: str, quantity: str) -> bool:
    """``output height = width`` (a square layer's step) gives ``output height``."""
    return step_quantity == quantity or step_quantity.startswith(quantity + " = ")


def _step_stages(step: Step, layer: LayerResult | None) -> tuple[Stage, ...]:
    return tuple(Stage(kind, step, layer) for kind in ("formula", "numbers", "value"))


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
    asked = problem_json(problem)["questions"][problem.questions.index(question)]
    parts = ("formula", "equation", "isolated", "substituted", "value")
    return tuple(Stage("working", working=asked["working"], part=part) for part in parts)


# -- named mistakes --------------------------------------------------------------------------


def _count_mistakes(
    result: LayerResult, quantity: str, solution: Solution | None = None
) -> tuple[Mistake, ...]:
    """The layer's misconceptions that give ``quantity`` (a count or an output size); for a
    count, first the size mistakes of the layer that fed it (``solution`` given)."""
    own = tuple(
        Mistake(mistake.value, mistake.description, mistake.step)
        for mistake in result.layer.misconceptions(result.input_shape)
        if _same_quantity(quantity, mistake.quantity)
    )
    if quantity != "parameters" or solution is None:
        return own
    return (*_upstream_mistakes(solution, result), *own)


def _upstream_mistakes(solution: Solution, result: LayerResult) -> tuple[Mistake, ...]:
    """A size worked out wrong in the nearest layer before that changes the shape, carried
    into this layer's count (a Maxpool rounded up feeding FC(37) gives 19·37, not 18·37).
    Only where the layer takes its input size from the shape (FC(37), not Linear(18, 37))."""
    before = [layer for layer in solution.layers[: result.index - 1]
              if layer.output_shape != layer.input_shape]  # fmt: skip
    if not before:
        return ()
    source = before[-1]
    found = []
    for mistake in source.layer.misconceptions(source.input_shape):
        position = _size_position(source.output_shape, mistake.quantity)
        if position is None:
            continue
        wrong = _with_size(source.output_shape, position, mistake.value)
        alone = Architecture((result.spec,), wrong, framework=solution.framework)
        try:  # the layer as written, solved again on the wrong size
            params = solve(alone).total_params
        except ExplainerError:  # the layer states its input size: the slip cannot reach it
            continue
        if params != result.params:
            description = f"{mistake.description}; the wrong size then went into this count"
            found.append(Mistake(params, description, mistake.step, _label(source)))
    return tuple(found)


def _size_position(shape: Shape, quantity: str) -> int | None:
    """Where in ``shape`` the size a misconception gives sits ("output height" -> -2); a flat
    vector's "output length" is its only size."""
    if len(shape) == 1:
        return -1 if quantity == "output length" else None
    spatial = len(shape) - 1
    positions = {f"output {names[0]}": -axes for axes, names in AXES.items() if axes <= spatial}
    return positions.get(quantity)


def _total_mistakes(solution: Solution) -> tuple[Mistake, ...]:
    """A layer left out of the sum; one layer's mistake; the same mistake in every layer."""
    total = solution.total_params
    weighted = [layer for layer in solution.layers if layer.params]
    found = [
        Mistake(total - layer.params, "its parameters left out of the sum", where=_label(layer))
        for layer in weighted
        if len(weighted) > 1
    ]
    by_key: dict[str, list[tuple[LayerResult, Any]]] = {}
    for layer in weighted:
        for mistake in layer.layer.misconceptions(layer.input_shape):
            if mistake.quantity == "parameters":
                by_key.setdefault(mistake.key, []).append((layer, mistake))
                shifted = total - layer.params + mistake.value
                found.append(Mistake(shifted, mistake.description, mistake.step, _label(layer)))
    for pairs in by_key.values():
        if len(pairs) > 1:
            value = total + sum(mistake.value - layer.params for layer, mistake in pairs)
            found.append(Mistake(value, f"{pairs[0][1].description}, and alike in every layer"))
    return tuple(found)


def _shape_mistakes(result: LayerResult) -> tuple[Mistake, ...]:
    right = result.output_shape
    found = [
        Mistake((1, *right), "the batch dimension included: shapes here leave it out"),
        Mistake((-1, *right), "the batch dimension included: shapes here leave it out"),
    ]
    if len(right) > 1:
        last = (*right[1:], right[0])
        found.append(Mistake(last, "the channels written last: PyTorch puts them first (C×H×W)"))
        found.append(Mistake((math.prod(right),), "the axes multiplied into one number"))
    if result.input_shape != right:
        reaching = result.input_shape
        found.append(Mistake(reaching, "the shape reaching the layer, not the one it gives"))
    for mistake in result.layer.misconceptions(result.input_shape):
        position = _size_position(right, mistake.quantity)
        if position is not None:
            wrong = _with_size(right, position, mistake.value)
            found.append(Mistake(wrong, mistake.description, mistake.step, axis=position))
    return tuple(found)


def _with_size(shape: Shape, position: int, size: int) -> Shape:
    """``shape`` with the size at ``position`` and every spatial size equal to it replaced
    (a square layer's mistake changes its height and its width alike); a flat vector is its
    one size."""
    if len(shape) == 1:
        return (size,)
    old = shape[position]
    return (shape[0], *(size if value == old else value for value in shape[1:]))


def _layer_mistakes(problem: Problem) -> tuple[Mistake, ...]:
    """Every other layer agrees with the shape reaching it (the solution's layers are the
    fixed stack's; the spec's own text is what the student sees)."""
    pairs = zip(problem.solution.layers, problem.architecture.layers, strict=True)
    return tuple(
        Mistake(
            layer.index,
            f"layer {layer.index}, {written.text}, agrees with the shape reaching it "
            f"({'×'.join(map(str, layer.input_shape))})",
        )
        for layer, written in pairs
        if problem.fault is None or layer.index != problem.fault.layer
    )


def _written(problem: Problem) -> tuple[Mistake, ...]:
    fault = problem.fault
    if fault is None:
        return ()
    return (Mistake(fault.written, "the value written in the spec, the one that contradicts "
                    "the shape reaching the layer"),)  # fmt: skip


def judge(item: Item, answer: Answer) -> Verdict:
    """How the wrong ``answer`` differs from ``item.answer``: the named mistakes that give it
    (the first is the likeliest: a size slip before the count it feeds), else which way or
    which axis it is off. Never by how much: that would give the answer away."""
    return dataclasses.replace(_judged(item, answer), also=_named(item, answer)[1:])


def _named(item: Item, answer: Answer) -> tuple[Mistake, ...]:
    named: dict[str, Mistake] = {}
    for mistake in item.mistakes:
        if mistake.value == answer:
            named.setdefault(mistake.description, mistake)
    return tuple(named.values())


def _judged(item: Item, answer: Answer) -> Verdict:
    mistake = next(iter(_named(item, answer)), None)
    right = item.answer
    if item.asks == "layer":  # a layer's number: no use in saying which way it is off
        return Verdict(mistake)
    if isinstance(right, int) and isinstance(answer, int):
        return Verdict(mistake, answer - right)
    given = answer if isinstance(answer, tuple) else (answer,)
    wanted = right if isinstance(right, tuple) else (right,)
    if len(given) == len(wanted) == 1:  # a flat shape: a number
        return Verdict(mistake, given[0] - wanted[0])
    if mistake is not None and mistake.axis is not None:
        axis = mistake.axis
        name = _axis_names(len(wanted))[axis]
        return Verdict(mistake, given[axis] - wanted[axis], f"the {name} in your answer")
    if mistake is not None or len(given) != len(wanted):
        return Verdict(mistake, dims=None if mistake else (len(given), len(wanted)))
    names = _axis_names(len(wanted))
    checked = zip(names, given, wanted, strict=True)
    return Verdict(None, axes=tuple((name, g == w) for name, g, w in checked))


# -- a fractional answer ----------------------------------------------------------------------

_FRACTION = re.compile(
    r"(?P<whole>[0-9]+)\.(?P<decimals>[0-9]+)|(?P<num>[0-9]+)/(?P<den>[1-9][0-9]*)"
)
_CLOSE = Fraction(1, 100)  # a decimal rounded to two places still names its formula


@dataclass(frozen=True)
class Fractional:
    """A size or a count written as a fraction: never right, and what gives it, if named."""

    size: bool  # the item asks a size (a shape or an output size), not a count
    named: tuple[tuple[Fraction, str], ...]  # (exact value, the mistake that gives it)
    mistake: str = ""


def read_fraction(text: str) -> Fraction | None:
    """``41.67`` or ``125/3`` as an exact fraction; None for anything else (or a whole one)."""
    match = _FRACTION.fullmatch(text.strip())
    if match is None:
        return None
    if match["num"] is not None:
        value = Fraction(int(match["num"]), int(match["den"]))
    else:
        value = Fraction(match["whole"] + "." + match["decimals"])
    return None if value.denominator == 1 else value


def fractional(item: Item) -> Fractional:
    """The fractions an item's size steps give before their floor is taken: the floor
    forgotten, and the floor and the ``+ 1`` both (the handout's Maxpool row, unfloored)."""
    last = item.stages[-1].step if item.stages else None
    size = (
        item.shape
        or item.asks == "output_size"
        or (last is not None and last.quantity.startswith("output "))
    )
    target = item.stages[-1].layer if item.stages else None  # the asked layer's own steps
    named: list[tuple[Fraction, str]] = []
    for stage in item.stages if size else ():
        if stage.layer is not target:
            continue
        values = dict(stage.step.values) if stage.step is not None else {}
        if stage.kind != "value" or not {"W", "F", "P", "S"} <= set(values) or "D" in values:
            continue
        inside = Fraction(values["W"] - values["F"] + 2 * values["P"], values["S"])
        named.append((inside + 1, "the floor forgotten: a size is a whole number of windows"))
        named.append((inside, "the floor and the \u201c+ 1\u201d both forgotten"))
    return Fractional(size, tuple((v, d) for v, d in named if v.denominator != 1))


def fraction_verdict(item: Item, value: Fraction) -> Fractional:
    found = fractional(item)
    mistake = next((d for exact, d in found.named if abs(exact - value) < _CLOSE), "")
    return dataclasses.replace(found, mistake=mistake)


def _axis_names(length: int) -> tuple[str, ...]:
    if length == 1:
        return ("size",)
    spatial = AXES.get(length - 1)
    return ("channels", *spatial) if spatial else tuple(f"axis {i + 1}" for i in range(length))


# -- the session -----------------------------------------------------------------------------

QUIT = frozenset({"q", "quit", "exit"})
HINT = frozenset({"h", "hint"})
SOLUTION = frozenset({"s", "solution", "show"})
HELP = frozenset({"?", "help"})


@dataclass
class Attempt:
    """An item as it was played (mutable: the session's record)."""

    item: Item
    wrong: int = 0  # wrong answers given
    hints: int = 0  # hint stages shown
    result: str = ""  # "" (still open), "right", "shown"
    rule: str | None = None  # a faded step: the rule the student named

    @property
    def clean(self) -> bool:
        return self.result == "right" and not self.wrong and not self.hints


@dataclass
class Played:
    problem: Problem
    attempts: list[Attempt]

    @property
    def outcome(self) -> str:
        """``clean`` (all right at the first try, no hint), ``miss`` or ``helped``."""
        if all(attempt.clean for attempt in self.attempts):
            return "clean"
        if any(a.wrong or a.result != "right" for a in self.attempts):
            return "miss"
        return "helped"


class Session:
    """Fed lines by :meth:`feed`; :meth:`start` first, :meth:`finish` (the summary) last."""

    UP_AFTER = 2  # clean problems in a row that step the difficulty up
    own: Problem | None = None  # a network of the student's own (OwnSession), else generated
    again = "explainer solve --problem ID"  # what works a played problem out again

    def __init__(
        self, seed: int, topic: str = "cnn", difficulty: str = "easy", count: int = 5, fade: int = 0
    ) -> None:
        check_seed(seed)
        check_count(count)
        if type(fade) is not int or fade < 0:
            raise ExplainerError(f"--fade must be a non-negative integer, got {fade!r}")
        self.kinds = ("table",) if fade else tuple(k for k in kinds_for(topic) if k != "table")
        check_options(topic, difficulty, self.kinds)
        self.seed, self.topic, self.count, self.fade = seed, topic, count, fade
        self.start_level = difficulty
        self._level = DIFFICULTIES.index(difficulty)
        self._streak = 0
        self._index = 0  # the next problem index to try (repeats are skipped, as generate does)
        self._seen: set[tuple[object, ...]] = set()
        self.played: list[Played] = []
        self.done = False

    # -- the interface the CLI uses --------------------------------------------------------
    @property
    def prompt(self) -> str:
        attempt = self.current
        if attempt is not None and attempt.item.blank is not None and attempt.rule is None:
            return "Rule: "
        return "Answer: "

    def start(self) -> str:
        intro = render_practice("start", session=self)
        return intro + self._next_problem()

    def feed(self, line: str) -> str:
        attempt = self.current
        if self.done or attempt is None:
            return ""
        text = line.strip()
        if text.lower() in QUIT:
            self.done = True
            return ""
        if text.lower() in HINT:
            attempt.rule = "" if attempt.rule is None else attempt.rule
            return self._hint(attempt)
        if attempt.item.blank is not None and attempt.rule is None and text.lower() not in SOLUTION:
            attempt.rule = text  # any words: naming the rule is for the student's own sake
            return ""  # the prompt asks for the value now
        if text.lower() in SOLUTION:
            attempt.result = "shown"
            return render_practice("solution", attempt=attempt) + self._advance()
        if not text or text.lower() in HELP:
            return render_practice("unreadable", text="", item=attempt.item)
        return self._answer(attempt, text)

    def finish(self) -> str:
        """The summary; the session takes no more input."""
        self.done = True
        rows = [(played.problem, asked(played)) for played in self.played]
        return render_practice("summary", score=outcomes(self.played), rows=rows, session=self)

    # -- inside -----------------------------------------------------------------------------
    @property
    def current(self) -> Attempt | None:
        """The item waiting for an answer (None before start and after the last one)."""
        if not self.played:
            return None
        return next((a for a in self.played[-1].attempts if not a.result), None)

    def _answer(self, attempt: Attempt, text: str) -> str:
        item = attempt.item
        axes = len(item.answer) if isinstance(item.answer, tuple) else 0
        fraction = read_fraction(text) if not item.choices else None
        if fraction is not None:
            attempt.wrong += 1
            verdict = fraction_verdict(item, fraction)
            return render_practice("fraction", verdict=verdict, item=item)
        answer = _chosen(item, text) or parse_answer(text, axes=axes)
        if answer is None or (not item.shape and not isinstance(answer, int)):
            return render_practice("unreadable", text=text, item=item)
        if isinstance(answer, int) and item.shape:
            answer = (answer,)
        if answer == item.answer:
            attempt.result = "right" if attempt.hints < len(item.stages) else "shown"
            return render_practice("right", attempt=attempt) + self._advance()
        attempt.wrong += 1
        return render_practice("wrong", verdict=judge(item, answer), item=item, answer=answer)

    def _hint(self, attempt: Attempt) -> str:
        stages = attempt.item.stages
        if attempt.hints >= len(stages):
            return render_practice("no_hint")
        attempt.hints += 1
        return render_practice("hint", stage=stages[attempt.hints - 1], number=attempt.hints,
                               of=len(stages))  # fmt: skip

    def _advance(self) -> str:
        """The next item of the problem, else the next problem, else the end."""
        attempt = self.current
        if attempt is not None:
            return render_practice("next", item=attempt.item)
        self._adapt(self.played[-1].outcome)
        if len(self.played) >= self.count:
            self.done = True
            return ""
        return self._next_problem()

    def _adapt(self, outcome: str) -> None:
        if outcome == "clean":
            self._streak += 1
            if self._streak >= self.UP_AFTER:
                self._level, self._streak = min(self._level + 1, len(DIFFICULTIES) - 1), 0
            return
        self._streak = 0
        if outcome == "miss":
            self._level = max(self._level - 1, 0)

    def _next_problem(self) -> str:
        problem = self._make()
        if self.fade:
            asked = faded_items(problem.solution, self.fade)
            document = render(problem.solution, "text", fade=self.fade)
        else:
            asked, document = items(problem), ""
        self.played.append(Played(problem, [Attempt(item) for item in asked]))
        return render_practice("problem", session=self, problem=problem, document=document,
                               number=len(self.played), item=asked[0])  # fmt: skip

    def _make(self) -> Problem:
        kind = self.kinds[len(self.played) % len(self.kinds)]
        level = DIFFICULTIES[self._level]
        for _ in range(50):  # skip a problem that repeats an earlier one, as generate does
            pid = ProblemId(self.seed, self._index, self.topic, level, kind)
            problem = problem_from_id(str(pid))
            self._index += 1
            key = (problem.spec, problem.shown_spec, tuple(q.prompt for q in problem.questions))
            if key not in self._seen:
                break
        self._seen.add(key)
        return problem


class OwnSession(Session):
    """Practice on one network the student brings (a spec, a bundled example): the handout's
    exam table asked layer by layer, each layer's output shape then its parameters, then the
    total, with the same hints and feedback. One problem; the difficulty does not move."""

    def __init__(self, problem: Problem, again: str) -> None:
        super().__init__(0, count=1)
        self.own, self.again = problem, again
        self.topic, self.start_level = problem.id, ""

    def _next_problem(self) -> str:
        problem = self.own
        assert problem is not None
        asked = table_items(problem)
        self.played.append(Played(problem, [Attempt(item) for item in asked]))
        return render_practice("problem", session=self, problem=problem, document="",
                               number=1, item=asked[0])  # fmt: skip

    def _adapt(self, outcome: str) -> None:
        """One network, no difficulty to move."""


def _chosen(item: Item, text: str) -> int | None:
    """A multiple-choice answer given by its letter."""
    letter = text.strip().rstrip(")").upper()
    return next((choice.value for choice in item.choices if choice.label == letter), None)


def asked(played: Played) -> list[Attempt]:
    """The items a problem has put so far: each one settled, and the open one."""
    settled = [attempt for attempt in played.attempts if attempt.result]
    return played.attempts[: len(settled) + 1] if len(settled) < len(played.attempts) else settled


def outcomes(played: Iterable[Played]) -> dict[str, int]:
    """The summary's numbers: items asked, right, right at the first try, hints, shown."""
    attempts = [attempt for problem in played for attempt in asked(problem)]
    return {
        "asked": len(attempts),
        "right": sum(attempt.result == "right" for attempt in attempts),
        "first": sum(attempt.clean for attempt in attempts),
        "hints": sum(attempt.hints for attempt in attempts),
        "shown": sum(attempt.result == "shown" for attempt in attempts),
    }
