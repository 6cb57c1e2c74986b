"""``quiz --framework keras``: generated problems written in Keras, every stated answer checked
against real Keras. Each problem's network is built in Keras from its shown text alone (its
layers read back as Keras constructors) and every answer of the key (each table row's output
shape and count, a layer's count, an output shape, the total) must be what Keras builds.
"""

from __future__ import annotations

import json
import math
import os
import warnings
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    keras = pytest.importorskip("keras")

from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from explainer.cli import main
from explainer.deriving.spec import LayerCall
from explainer.errors import ExplainerError
from explainer.reading import parse
from explainer.teaching.generate import Problem, TableRow, generate, problem_from_id
from explainer.teaching.generate.ids import kinds_for
from explainer.teaching.generate.keras import KERAS_KINDS, KERAS_TOPICS


def keras_model(problem: Problem) -> Any:
    """The problem's network in Keras, from its own layers as written (name and arguments)."""
    architecture = parse(problem.solved_spec)
    assert architecture.input_shape is not None
    dtype = "int32" if architecture.layers[0].call == "Embedding" else "float32"
    layers = [_layer(spec.call, spec.args, dict(spec.kwargs)) for spec in architecture.layers]
    with keras.StatelessScope(initialize_variables=False):
        return keras.Sequential([keras.Input(architecture.input_shape, dtype=dtype), *layers])


def _layer(call: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    if isinstance(kwargs.get("layer"), LayerCall) or (args and isinstance(args[0], LayerCall)):
        inner = kwargs.pop("layer", None) or args[0]
        args = args[1:] if not isinstance(kwargs.get("layer"), LayerCall) and args else args
        wrapped = _layer(inner.call, inner.args, dict(inner.kwargs))
        return getattr(keras.layers, call)(wrapped, **kwargs)
    return getattr(keras.layers, call)(*args, **kwargs)


def check_every_answer(problem: Problem) -> int:
    """Compare every answer of ``problem`` with Keras; the number of answers compared."""
    model = keras_model(problem)
    layers = model.layers
    compared = 0
    for question in problem.questions:
        layer = layers[question.layer - 1] if question.layer is not None else None
        answer: Any = question.answer
        if question.asks == "row":
            assert isinstance(answer, TableRow) and layer is not None
            shape = tuple(layer.output.shape[1:])
            assert (answer.output_shape, answer.params) == (shape, layer.count_params()), (
                problem.id,
                question.id,
            )
        elif question.asks == "params":
            assert layer is not None and answer == layer.count_params(), (problem.id, question.id)
        elif question.asks == "output_shape":
            assert layer is not None and answer == tuple(layer.output.shape[1:]), problem.id
        elif question.asks == "total":
            assert answer == model.count_params(), problem.id
        else:
            pytest.fail(f"{problem.id}: a Keras problem asks {question.asks!r}")
        compared += 1
    return compared


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10**6),
    topic=st.sampled_from(KERAS_TOPICS),
    difficulty=st.sampled_from(("easy", "medium", "hard")),
    kind=st.sampled_from(KERAS_KINDS),
)
def test_every_answer_is_what_keras_builds(
    seed: int, topic: str, difficulty: str, kind: str
) -> None:
    assume(kind in kinds_for(topic, "keras"))
    quiz = generate(seed, 2, topic, difficulty, [kind], framework="keras")
    assert quiz.framework == "keras"
    for problem in quiz.problems:
        assert problem.id.endswith("-keras")
        assert problem.architecture.framework == "keras"
        assert check_every_answer(problem) == len(problem.questions)
        again = problem_from_id(problem.id)
        assert (again.spec, again.questions) == (problem.spec, problem.questions)


def test_the_keras_layers_are_keras_named_and_channels_last() -> None:
    quiz = generate(3, 6, "cnn", "medium", framework="keras")
    text = " ".join(problem.shown_spec for problem in quiz.problems)
    assert "Conv2D(" in text and "Dense(" in text and "Conv2d(" not in text
    assert "Linear(" not in text
    for problem in quiz.problems:
        shape = problem.solution.input_shape
        assert shape[-1] in (1, 3), shape  # channels last: 28×28×1, 32×32×3
        assert problem.solution.framework == "keras"


def test_kinds_and_topics_without_a_keras_form_are_refused() -> None:
    with pytest.raises(ExplainerError, match="Keras kinds: table, params, shape"):
        generate(1, 2, "cnn", "easy", ["inverse"], framework="keras")
    with pytest.raises(ExplainerError, match="Keras topics"):
        generate(1, 2, "attention", "easy", framework="keras")
    assert {p.kind for p in generate(1, 6, "mlp", "easy", framework="keras").problems} == {
        "table",
        "params",
    }  # mlp has no shape questions; the Keras kinds that apply, in turn


def test_quiz_cli_writes_a_keras_quiz(tmp_path: Path) -> None:
    out = tmp_path / "quiz"
    args = ["quiz", "--seed", "4", "--count", "3", "--framework", "keras", "--format", "json"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert all(problem["id"].endswith("-keras") for problem in data["problems"])
    result = CliRunner().invoke(main, [*args[:-2], "--format", "markdown", "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    key = "\n".join(path.read_text() for path in out.rglob("*key*.md"))
    assert "Conv2D(" in key and "(None, " in key  # the key's summaries as model.summary()
    assert "--framework keras" in key


def test_solve_problem_reads_a_keras_id() -> None:
    problem = generate(2, 1, "rnn", "medium", framework="keras").problems[0]
    result = CliRunner().invoke(main, ["solve", "--problem", problem.id, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["framework"] == "keras"
    assert data["total_params"] == keras_model(problem).count_params()


def test_a_keras_quiz_is_the_same_in_every_run() -> None:
    first = generate(11, 4, "norm", "hard", framework="keras")
    assert first == generate(11, 4, "norm", "hard", framework="keras")
    counts = [problem.solution.total_params for problem in first.problems]
    assert all(isinstance(count, int) and count > 0 for count in counts)
    assert math.prod(1 for _ in counts) == 1


def test_practice_in_keras() -> None:
    result = CliRunner().invoke(
        main,
        ["practice", "--seed", "7", "--framework", "keras", "--topic", "cnn", "--count", "2"],
        input="s\ns\ns\ns\ns\ns\nq\n",
    )
    assert result.exit_code == 0, result.output
    assert "-keras)" in result.stdout and "Conv2D(" in result.stdout
    assert "Conv2d(" not in result.stdout


def test_practice_on_own_keras_spec() -> None:
    spec = "input(28, 28, 1) -> Conv2D(8, 3) -> Flatten() -> Dense(10)"
    result = CliRunner().invoke(
        main, ["practice", "--framework", "keras", spec], input="26x26x8\n80\nq\n"
    )
    assert result.exit_code == 0, result.output
    assert "Right: 26×26×8." in result.stdout and "Right: 80." in result.stdout
