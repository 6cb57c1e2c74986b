"""The Python API: text in, worked solution out. parse -> solve -> render, nothing else."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .boundary import argument, invocation, read_file, shorten
from .deriving.solve import Solution, solve
from .errors import InputShapeError, literal
from .reading import parse, parse_shape
from .reading.bank import Example, HFExample, example, examples
from .rendering.options import Options
from .rendering.render import render

if TYPE_CHECKING:
    from .deriving.lm import LMSolution


def solve_spec(
    text: str,
    input_shape: str | tuple[int, ...] | None = None,
    title: str = "",
    framework: str | None = None,
    let: Mapping[str, int] | None = None,
) -> Solution:
    """Parse and solve ``text``; ``input_shape`` ("1,28,28" or a tuple) overrides input(...).

    ``framework`` ("pytorch" or "keras") says whose layer names, shapes (channels-first or
    channels-last) and counting rules the spec uses; None: the notation's own (pasted Keras
    code is Keras, a chain PyTorch). A spec may name sizes (``Linear(h)``): its solution is
    then a formula in them, unless ``let`` gives them numbers."""
    architecture = parse(text)
    if framework is not None:
        architecture = architecture.with_framework(framework)
    shape = _shape(input_shape)
    if shape is not None:
        architecture = architecture.with_input(shape)
    if let:
        from .deriving.symbolic import let as put_numbers

        architecture = put_numbers(architecture, let)
    return solve(architecture, title)


def explain(
    text: str,
    input_shape: str | tuple[int, ...] | None = None,
    fmt: str = "text",
    digits: str = "western",
    example: str | None = None,
    framework: str | None = None,
) -> str:
    """The worked solution of ``text`` (or of the bundled ``example``) as a document."""
    if example is not None:
        solution = solve_example(example, input_shape, framework)
    else:
        solution = solve_spec(text, input_shape, framework=framework)
    return render(solution, fmt, digits)


def render_solution(
    solution: Solution,
    fmt: str = "text",
    digits: str = "western",
    show: tuple[str, ...] = (),
    compare: bool = False,
    fade: int = 0,
    depth: int | None = None,
) -> str:
    """The document for ``solution``, with the cost steps that ``show`` asks for and, with
    ``compare``, the other framework's count wherever it differs (see :class:`Options`)."""
    return document(solution, Options(fmt, digits, fade, tuple(show), compare, depth))


def document(solution: Solution, options: Options) -> str:
    """The document for ``solution`` as ``options`` (checked when they were made) say."""
    from .deriving.compare import with_comparison
    from .deriving.costs import with_costs

    if options.depth is not None:
        solution = dataclasses.replace(solution, summary_depth=options.depth)
    solution = with_costs(solution, options.show)
    if options.compare:
        solution = with_comparison(solution)
    return render(solution, options.fmt, options.digits, options.fade)


def solve_live(
    target: str, input_shape: str | tuple[int, ...] | None, input_dtype: str | None = None
) -> Solution:
    """Solve a live PyTorch model (``path/to/model.py:Net``): imports and runs the user's file.

    ``input_dtype`` ("float" or "long"): what the forward pass is fed; by default long token
    ids for a model that starts with an embedding, else floats. Refused (LiveModelError)
    unless every count is the one PyTorch counts."""
    from .reading import live

    solution, reading = read_live(target, input_shape, input_dtype)
    live.ensure_agrees(solution, reading)
    return solution


def read_live(
    target: str, input_shape: str | tuple[int, ...] | None, input_dtype: str | None = None
) -> tuple[Solution, Any]:
    """The worked solution of a live model, and PyTorch's own figures beside it (a
    live.Reading), not yet held to each other: ``explainer check`` shows where they differ."""
    from .reading import live

    if input_shape is None:
        raise InputShapeError(
            "{torch_model} needs {input_shape}: the shape of one sample, e.g. 1,28,28", named=True
        )
    shape = parse_shape(input_shape) if isinstance(input_shape, str) else tuple(input_shape)
    reading = live.read_target(target, shape, input_dtype)
    return solve(reading.architecture), reading


def solve_live_keras(target: str, input_shape: str | tuple[int, ...] | None = None) -> Solution:
    """Solve a Keras model (``path/to/model.py:build``): imports and runs the user's file.
    ``input_shape`` builds a model that has no input yet, and must agree with one that has."""
    from .reading import live_keras

    shape = _shape(input_shape)
    return live_keras.solve_model(live_keras.load(target), shape)


def check_live_keras(
    target: str, input_shape: str | tuple[int, ...] | None = None
) -> tuple[tuple[Any, ...], Any]:
    """`explainer check --keras FILE:fn`: the rows and totals beside the model's own."""
    from .reading import live_keras

    return live_keras.check_model(live_keras.load(target), _shape(input_shape))


def solve_model(
    model: Any, input_shape: str | tuple[int, ...] | None = None, input_dtype: str | None = None
) -> Solution:
    """Solve a live model: an ``nn.Module`` on one sample of ``input_shape`` (batch excluded),
    or a Keras model (its own input shape, or ``input_shape`` if it has none yet).

    Refused (LiveModelError) unless every count is the one the framework counts."""
    if _is_keras(model):
        from .reading import live_keras

        return live_keras.solve_model(model, _shape(input_shape))
    from .reading import live

    shape = _shape(input_shape)
    if shape is None:
        raise InputShapeError("a PyTorch model needs input_shape: one sample, e.g. (1, 28, 28)")
    reading = live.read(model, shape, input_dtype)
    solution = solve(reading.architecture)
    live.ensure_agrees(solution, reading)
    return solution


def _is_keras(model: Any) -> bool:
    """Keras models without importing Keras: only a loaded Keras can have made one."""
    import sys

    keras = sys.modules.get("keras")
    return keras is not None and isinstance(model, keras.Model)


def _shape(input_shape: str | tuple[int, ...] | None) -> tuple[int, ...] | None:
    if input_shape is None or not isinstance(input_shape, str):
        return None if input_shape is None else tuple(input_shape)
    try:
        return parse_shape(argument(input_shape, "{input_shape}"))
    except InputShapeError as exc:
        raise exc.at_option("{input_shape}") from None


def solve_example(
    name: str, input_shape: str | tuple[int, ...] | None = None, framework: str | None = None
) -> Solution:
    """Solve a bundled example, by its own framework unless ``framework`` says otherwise."""
    chosen = example(name)
    shape = input_shape if input_shape is not None else chosen.input_shape
    solution = solve_spec(chosen.spec, shape, chosen.title, framework or chosen.framework)
    return dataclasses.replace(solution, notes=solution.notes + chosen.notes)


def bank_examples() -> list[Example]:
    return list(examples().values())


def bank_hf_examples() -> list[HFExample]:
    from .reading.bank import hf_examples

    return list(hf_examples().values())


def solve_hf(target: str) -> LMSolution:
    """Count a transformer from a Hugging Face ``config.json``: a file, or a bundled name
    (``gpt2``, see ``explainer examples``). Needs neither transformers nor torch."""
    from pathlib import Path

    from .deriving.lm import solve_config
    from .errors import UnknownNameError, did_you_mean
    from .reading.bank import hf_examples
    from .reading.hf import read_config

    path = Path(target)
    if path.is_file():
        with invocation():  # the file's text is not quoted, in this call only
            text = read_file(path, "{hf_config} " + literal(shorten(target)))
            return solve_config(read_config(text, path.name))
    bundled = hf_examples()
    if target not in bundled:
        names = ", ".join(bundled)
        raise UnknownNameError(
            "{hf_config} "
            + literal(f"{target}: no such file, nor a bundled configuration")
            + literal(f"{did_you_mean(target, bundled)} (bundled: {names})"),
            named=True,
        )
    return solve_config(read_config(bundled[target].config, f"{target}.json"))


def require_numbers(solution: Solution, why: str) -> None:
    """Refuse a solution in named sizes where only numbers will do."""
    if solution.size_names:
        from .errors import UndecidedError

        names = ", ".join(solution.size_names)
        raise UndecidedError(f"{why}: the spec names sizes ({names}); solve it for the formula")


def render_unknown(
    solution: Solution,
    name: str | None,
    total: int | None,
    at_most: int | None,
    fmt: str = "text",
    digits: str = "western",
) -> str:
    """``--solve-for NAME`` with ``--total N`` or ``--at-most N``: the working of NAME."""
    from .deriving.unknown import solve_for
    from .errors import OptionError
    from .rendering.render import render_unknown as render_working

    if name is None or (total is None) == (at_most is None):
        raise OptionError("{solve_for} NAME takes exactly one of {total} N and {at_most} N")
    target = total if total is not None else at_most
    assert target is not None
    working = solve_for(solution, name, target, exact=total is not None)
    return render_working(working, fmt, digits)


def render_hf(solution: LMSolution, fmt: str = "text", digits: str = "western") -> str:
    from .rendering.render import render_lm

    return render_lm(solution, fmt, digits)
