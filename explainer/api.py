"""The Python API: text in, worked solution out. parse -> solve -> render, nothing else."""

from __future__ import annotations

from typing import Any

from .bank import Example, example, examples
from .errors import InputShapeError
from .parsing import parse, parse_shape
from .render import render
from .solve import Solution, solve


def solve_spec(
    text: str,
    input_shape: str | tuple[int, ...] | None = None,
    title: str = "",
    framework: str | None = None,
) -> Solution:
    """Parse and solve ``text``; ``input_shape`` ("1,28,28" or a tuple) overrides input(...).

    ``framework`` ("pytorch" or "keras") says whose layer names, shapes (channels-first or
    channels-last) and counting rules the spec uses; None: the notation's own (pasted Keras
    code is Keras, a chain PyTorch)."""
    architecture = parse(text)
    if framework is not None:
        architecture = architecture.with_framework(framework)
    if isinstance(input_shape, str):
        try:
            shape = parse_shape(input_shape)
        except InputShapeError as exc:
            raise exc.at("--input") from None
        architecture = architecture.with_input(shape)
    elif input_shape is not None:
        architecture = architecture.with_input(tuple(input_shape))
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
) -> str:
    """The document for ``solution``, with the cost steps that ``show`` asks for and, with
    ``compare``, the other framework's count wherever it differs."""
    from .compare import with_comparison
    from .costs import with_costs

    solution = with_costs(solution, show)
    return render(with_comparison(solution) if compare else solution, fmt, digits)


def solve_live(target: str, input_shape: str | tuple[int, ...] | None) -> Solution:
    """Solve a live PyTorch model (``path/to/model.py:Net``): imports and runs the user's file."""
    from . import live

    if input_shape is None:
        raise InputShapeError("--torch needs --input: the shape of one sample, e.g. 1,28,28")
    shape = parse_shape(input_shape) if isinstance(input_shape, str) else tuple(input_shape)
    return solve(live.architecture(live.load(target), shape))


def solve_live_keras(target: str, input_shape: str | tuple[int, ...] | None = None) -> Solution:
    """Solve a Keras model (``path/to/model.py:build``): imports and runs the user's file.
    ``input_shape`` builds a model that has no input yet, and must agree with one that has."""
    from . import live_keras

    shape = _shape(input_shape)
    return live_keras.solve_model(live_keras.load(target), shape)


def solve_model(model: Any, input_shape: str | tuple[int, ...] | None = None) -> Solution:
    """Solve a live model: an ``nn.Module`` on one sample of ``input_shape`` (batch excluded),
    or a Keras model (its own input shape, or ``input_shape`` if it has none yet)."""
    if _is_keras(model):
        from . import live_keras

        return live_keras.solve_model(model, _shape(input_shape))
    from . import live

    shape = _shape(input_shape)
    if shape is None:
        raise InputShapeError("a PyTorch model needs input_shape: one sample, e.g. (1, 28, 28)")
    return solve(live.architecture(model, shape))


def _is_keras(model: Any) -> bool:
    """Keras models without importing Keras: only a loaded Keras can have made one."""
    import sys

    keras = sys.modules.get("keras")
    return keras is not None and isinstance(model, keras.Model)


def _shape(input_shape: str | tuple[int, ...] | None) -> tuple[int, ...] | None:
    if input_shape is None or not isinstance(input_shape, str):
        return None if input_shape is None else tuple(input_shape)
    try:
        return parse_shape(input_shape)
    except InputShapeError as exc:
        raise exc.at("--input") from None


def solve_example(
    name: str, input_shape: str | tuple[int, ...] | None = None, framework: str | None = None
) -> Solution:
    """Solve a bundled example, by its own framework unless ``framework`` says otherwise."""
    chosen = example(name)
    shape = input_shape if input_shape is not None else chosen.input_shape
    return solve_spec(chosen.spec, shape, chosen.title, framework or chosen.framework)


def bank_examples() -> list[Example]:
    return list(examples().values())
