"""The exercise generator: every answer recomputed from a fresh parse and solve of the spec
text, inverse answers substituted back, distractors against the right answer, determinism
across processes, and refusals of bad options. (tests/test_generate_torch.py: PyTorch.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sympy
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import every_combination, problem_ids

from explainer.cli import main
from explainer.deriving.solve import Solution, solve
from explainer.errors import ExplainerError
from explainer.reading import parse
from explainer.rendering.quiz_json import dumps, problem_json, to_json
from explainer.rendering.render import to_json as solution_json
from explainer.teaching.generate import (
    DIFFICULTIES,
    TOPICS,
    GenerateError,
    Problem,
    ProblemId,
    generate,
    problem_from_id,
)
from explainer.teaching.generate.ids import kinds_for, parse_id
from explainer.teaching.generate.posing import is_written

ROOT = Path(__file__).resolve().parent.parent
# The well-posedness checks below are about each (topic, difficulty, kind) combination's posing,
# which the seed only varies: every combination once is the developer loop; many random
# problems are the slow run (CI). The answers themselves are checked against PyTorch, the
# oracle, in tests/test_generate_torch.py.
SETTINGS = settings(max_examples=2500, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- every problem well posed ------------------------------------------------------------------


@pytest.mark.parametrize("pid", every_combination(), ids=str)
def test_every_combination_is_well_posed(pid: ProblemId) -> None:
    check_well_posed(pid)


@pytest.mark.slow
@SETTINGS
@given(pid=problem_ids())
def test_random_problems_are_well_posed(pid: ProblemId) -> None:
    check_well_posed(pid)


def check_well_posed(pid: ProblemId) -> None:
    """The id regenerates the problem; the written spec means the solved network (a round trip
    through text); the questions are distinct; and the kind's own promises hold."""
    problem = problem_from_id(str(pid))
    assert (problem.id, parse_id(problem.id)) == (str(pid), pid)
    assert (problem.kind, problem.topic, problem.difficulty) == (
        pid.kind,
        pid.topic,
        pid.difficulty,
    )
    fresh = solve(parse(problem.solved_spec))  # from the text alone, as `explainer solve` does
    assert solution_json(fresh) == solution_json(problem.solution)
    assert all(size >= 1 for r in fresh.layers for size in r.output_shape)
    assert [q.id for q in problem.questions] == list(dict.fromkeys(q.id for q in problem.questions))
    CHECKS[problem.kind](problem, fresh)
    json.dumps(problem_json(problem))  # the whole problem is JSON


def check_table(problem: Problem, fresh: Solution) -> None:
    rows = [q for q in problem.questions if q.asks == "row"]
    assert [q.layer for q in rows] == [r.index for r in fresh.layers]
    assert problem.questions[-1].answer == fresh.total_params


def check_single(problem: Problem, fresh: Solution) -> None:
    (question,) = problem.questions
    if question.asks == "params":
        assert problem.shown_spec == problem.spec
        assert question.answer > 0
    else:
        check_not_printed(problem, fresh)


def check_not_printed(problem: Problem, fresh: Solution) -> None:
    """A size question's answer is not printed: the shown stack (the same network) writes no
    input size after the asked layer, and the asked layer's own numbers do not spell it."""
    (question,) = problem.questions
    shown = solve(parse(problem.shown_spec))
    assert [r.output_shape for r in shown.layers] == [r.output_shape for r in fresh.layers]
    assert shown.total_params == fresh.total_params
    assert question.layer is not None
    for later in shown.layers[question.layer :]:
        for argument in type(later.layer).inferred:
            assert not is_written(later.spec, argument), later.spec.text
    asked = shown.layers[question.layer - 1].spec
    written = {v for v in (*asked.args, *dict(asked.kwargs).values()) if type(v) is int}
    answer = question.answer if isinstance(question.answer, tuple) else (question.answer,)
    if question.asks == "output_shape":
        assert not all(size in written for size in answer), (asked.text, answer)


def check_choice(problem: Problem, fresh: Solution) -> None:
    (question,) = problem.questions
    values = [c.value for c in question.choices]
    assert 2 <= len(values) <= 4 and len(set(values)) == len(values)
    assert [c.label for c in question.choices] == list("ABCD"[: len(values)])
    (right,) = [c for c in question.choices if c.correct]
    assert right.value == question.answer
    if question.asks == "output_size":
        check_not_printed(problem, fresh)
    for wrong in (c for c in question.choices if not c.correct):
        assert wrong.value != question.answer
        assert wrong.misconception is not None and wrong.misconception.key
        assert wrong.misconception.step.value == wrong.value  # derived, not made up


def check_inverse(problem: Problem, fresh: Solution) -> None:
    (question,) = problem.questions
    working = question.working
    assert working is not None and question.layer is not None and question.argument
    x = sympy.Symbol(working.unknown)
    assert working.equation.xreplace({x: working.value}).doit() == working.stated
    assert working.solutions == (question.answer,) and working.value == question.answer
    # The shown stack, with the answer in place of ?, gives the stated number.
    assert problem.shown_spec.count("?") == 1
    filled = solve(parse(problem.shown_spec.replace("?", str(question.answer))))
    layer = filled.layers[-1]
    assert layer.index == question.layer
    if working.unknown == "P":
        assert layer.output_shape == fresh.layers[question.layer - 1].output_shape
        assert working.stated in layer.output_shape
    else:
        assert layer.params == working.stated
    assert fresh.layers[question.layer - 1].spec.text not in question.prompt  # it holds the answer


def check_error(problem: Problem, fresh: Solution) -> None:
    fault = problem.fault
    assert fault is not None and problem.corrected_spec is not None
    with pytest.raises(ExplainerError) as refused:
        solve(parse(problem.spec))
    assert f"layer {fault.layer}," in str(refused.value) and str(refused.value) == fault.message
    faulty, fixed = parse(problem.spec).layers, parse(problem.corrected_spec).layers
    differing = [
        i for i, (a, b) in enumerate(zip(faulty, fixed, strict=True), 1) if a.args != b.args
    ]
    assert differing == [fault.layer]
    assert fault.written != fault.right == fresh.layers[fault.layer - 1].args[fault.argument]
    assert problem.shown_spec == problem.spec


CHECKS = {
    "table": check_table,
    "params": check_single,
    "shape": check_single,
    "choice": check_choice,
    "inverse": check_inverse,
    "error": check_error,
}


# -- inverse problems: the issue's own example ------------------------------------------------


def test_inverse_kernel_size_of_the_issue_example() -> None:
    from explainer.rendering.workings import working_json
    from explainer.teaching.generate.inverse import work

    conv = solve(parse("input(3, 32, 32) -> Conv2d(3, 64, kernel_size=3)")).layers[0]
    params = conv.steps[-1]
    kernel = work(params, "m")
    assert kernel is not None and (kernel.stated, kernel.value, kernel.solutions) == (1792, 3, (3,))
    shown = working_json(kernel)
    assert shown["equation"] == "((m·m·3)+1)·64 = 1792"
    assert shown["isolated"] == "m = √((N − k)/(d·k))"
    assert shown["substituted"] == "m = √((1792 − 64)/(3·64))"
    filters = work(params, "k")
    assert filters is not None and filters.value == 64
    assert working_json(filters)["substituted"] == "k = 1792/(1 + 3·3·3)"


def test_inverse_padding_only_where_the_answer_is_unique() -> None:
    from explainer.teaching.generate.inverse import work

    same = solve(parse("input(3, 28, 28) -> Conv2d(3, 8, kernel_size=5, padding=2)")).layers[0]
    padding = work(same.steps[0], "P")
    assert padding is not None and padding.value == 2 and padding.notes
    # stride 3: padding 1 and 2 both give ⌊(10 − 3 + 2P)/3 + 1⌋ = 4, so it is not asked
    ambiguous = solve(parse("input(1, 10, 10) -> Conv2d(1, 2, kernel_size=3, stride=3, padding=1)"))
    assert work(ambiguous.layers[0].steps[0], "P") is None


# -- difficulty ---------------------------------------------------------------------------------


def windows(solution: Solution) -> list[tuple[int, int, int, int, int]]:
    """(size, kernel, stride, padding, dilation) of every sliding window, first spatial axis."""
    found = []
    for r in solution.layers:
        if "kernel_size" in r.args and len(r.input_shape) >= 1:
            stride = r.args.get("stride") or r.args["kernel_size"]
            size = r.input_shape[1] if len(r.input_shape) == 3 else r.input_shape[-1]
            found.append(
                (
                    size,
                    r.args["kernel_size"],
                    stride,
                    r.args.get("padding", 0),
                    r.args.get("dilation", 1),
                )
            )
    return found


def uneven(window: tuple[int, int, int, int, int]) -> bool:
    size, kernel, stride, padding, dilation = window
    return (size + 2 * padding - dilation * (kernel - 1) - 1) % stride != 0


@pytest.mark.parametrize("topic", TOPICS)
def test_easy_sizes_divide_and_layers_are_plain(topic: str) -> None:
    for problem in generate(1, 40, topic, "easy", ["table"]).problems:
        solution = problem.solution
        assert not any(uneven(w) for w in windows(solution)), problem.spec
        for r in solution.layers:
            assert r.args.get("stride", 1) in (1, None) or r.type.startswith(("Max", "Avg"))
            assert r.args.get("dilation", 1) == 1 and r.args.get("groups", 1) == 1
        assert len(solution.layers) <= 16


def test_hard_has_what_the_issue_promises() -> None:
    seen: set[str] = set()
    for topic in ("cnn", "mlp", "course"):
        for problem in generate(2, 40, topic, "hard", ["table"]).problems:
            for r in problem.solution.layers:
                seen |= {"no bias"} if r.args.get("bias") is False else set()
                seen |= {"groups"} if r.args.get("groups", 1) > 1 else set()
                seen |= {"dilation"} if r.args.get("dilation", 1) != 1 else set()
                seen |= {"stride"} if r.type == "Conv2d" and r.args["stride"] != 1 else set()
            seen |= {"uneven"} if any(uneven(w) for w in windows(problem.solution)) else set()
    assert seen == {"no bias", "groups", "dilation", "stride", "uneven"}


def test_sequence_and_norm_topics_have_what_the_issue_promises() -> None:
    seen: set[str] = set()
    for difficulty in DIFFICULTIES:
        for topic in ("rnn", "norm", "attention"):
            for problem in generate(2, 30, topic, difficulty, ["table"]).problems:
                layers = problem.solution.layers
                for r in layers:
                    seen.add(f"{difficulty} {r.type}")
                    if r.type in ("RNN", "LSTM", "GRU"):
                        seen |= {f"{difficulty} layers {r.args['num_layers']}"}
                        seen |= (
                            {f"{difficulty} bidirectional"} if r.args["bidirectional"] else set()
                        )
                    if r.type in ("MultiheadAttention", "TransformerEncoderLayer"):
                        heads = r.args.get("num_heads") or r.args["nhead"]
                        assert r.output_shape[-1] % heads == 0
                    if r.args.get("affine") is False or r.args.get("elementwise_affine") is False:
                        seen.add(f"{difficulty} no affine")
                if topic == "rnn" and difficulty == "easy":
                    (cell,) = [r for r in layers if r.type in ("RNN", "LSTM", "GRU")]
                    assert cell.args["hidden_size"] <= 8 and cell.args["input_size"] <= 8
    assert {
        "easy LSTM", "easy GRU", "easy RNN", "easy Embedding", "easy layers 1", "easy BatchNorm2d",
        "easy BatchNorm1d", "easy MultiheadAttention", "easy LayerNorm",
        "medium layers 2", "medium GroupNorm", "medium TransformerEncoderLayer",
        "hard bidirectional", "hard no affine", "hard GroupNorm", "hard layers 3",
    } <= seen  # fmt: skip
    assert not {"easy layers 2", "easy bidirectional", "medium bidirectional"} & seen
    assert not {"easy no affine", "medium no affine", "easy TransformerEncoderLayer"} & seen


def test_the_course_topic_writes_the_course_notation() -> None:
    problem = problem_from_id("s7-i0-course-easy-table")
    assert problem.spec.startswith("input(") and problem.spec.endswith("→output")
    assert {s.call for s in problem.architecture.layers} <= {
        "FCwB", "FC", "Maxpool", "Dropout", "relu", "tanh", "sigmoid"
    }  # fmt: skip


# -- quizzes: determinism, ids, no repeats ------------------------------------------------------


@pytest.mark.slow  # 40 quizzes, each generated twice and every problem again from its id
@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**6), topic=st.sampled_from(TOPICS),
       difficulty=st.sampled_from(DIFFICULTIES))  # fmt: skip
def test_same_seed_same_quiz_and_ids_regenerate(seed: int, topic: str, difficulty: str) -> None:
    quiz = generate(seed, 6, topic, difficulty)
    assert dumps(quiz) == dumps(generate(seed, 6, topic, difficulty))
    assert quiz.kinds == kinds_for(topic)
    assert [p.kind for p in quiz.problems] == [quiz.kinds[i % len(quiz.kinds)] for i in range(6)]
    for problem in quiz.problems:
        assert problem_json(problem_from_id(problem.id)) == problem_json(problem)


def test_json_contract_shape() -> None:
    data = to_json(generate(7, 6, "cnn", "easy"))
    assert data["seed"] == 7 and len(data["problems"]) == 6
    for problem in data["problems"]:
        assert problem["id"].startswith("s7-i")
        assert {"id", "kind", "topic", "difficulty", "spec", "input_shape", "questions",
                "solution"} <= set(problem)  # fmt: skip
        assert ("corrected_spec" in problem) == (problem["kind"] == "error")
        for question in problem["questions"]:
            assert {"id", "prompt", "answer"} <= set(question)
            assert ("choices" in question) == (problem["kind"] == "choice")
    by_kind = {p["kind"]: p for p in data["problems"]}
    assert by_kind["error"]["solution"] == solution_json(
        solve(parse(by_kind["error"]["corrected_spec"]))
    )
    assert by_kind["table"]["questions"][0]["answer"].keys() == {"output_shape", "params"}


def test_no_repeated_problems_in_a_quiz() -> None:
    quiz = generate(3, 60, "course", "easy", ["params"])
    keys = [(p.spec, tuple(q.prompt for q in p.questions)) for p in quiz.problems]
    assert len(set(keys)) == len(keys)
    assert len({p.id for p in quiz.problems}) == 60


def test_same_bytes_in_processes_with_different_hash_seeds() -> None:
    script = (
        "import sys\n"
        "from explainer.teaching.generate import generate\n"
        "from explainer.rendering.quiz_json import dumps\n"
        "for topic in ('cnn', 'mlp', 'course', 'rnn', 'norm', 'attention'):\n"
        "    sys.stdout.write(dumps(generate(11, 6, topic, 'hard')))\n"
    )
    outputs = []
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, env=env,
                              cwd=ROOT, check=True, timeout=120)  # fmt: skip
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1] and len(outputs[0]) > 1000


# -- refusals -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"topic": "vision"},
            "unknown topic 'vision'; topics: mlp, cnn, course, rnn, norm, attention, symbolic",
        ),
        ({"topic": "cnns"}, "did you mean 'cnn'"),
        ({"difficulty": "expert"}, "unknown difficulty 'expert'"),
        ({"count": 0}, "count must be an integer from 1 to 1000, got 0"),
        ({"count": -3}, "got -3"),
        ({"count": True}, "got True"),
        ({"seed": -1}, "seed must be a non-negative integer, got -1"),
        ({"seed": "7"}, "got '7'"),
        ({"kinds": []}, "no question kinds given"),
        ({"kinds": ["tabel"]}, "unknown question kind 'tabel' (did you mean 'table'?)"),
        ({"kinds": "table"}, "kinds must be a list"),
        ({"topic": "course", "kinds": ["error"]}, "'error' does not apply to topic 'course'"),
        ({"topic": "rnn", "kinds": ["inverse"]}, "'inverse' does not apply to topic 'rnn'"),
        (
            {"topic": "attention", "kinds": ["table", "inverse"]},
            "'inverse' does not apply to topic 'attention': its layers' counts are quadratic",
        ),
    ],
)
def test_bad_options_raise_a_clear_error(options: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {"seed": 7, "count": 3, "topic": "cnn", "difficulty": "easy"}
    arguments |= options
    with pytest.raises(GenerateError) as error:
        generate(**arguments)  # type: ignore[arg-type]
    assert message in str(error.value)
    assert isinstance(error.value, ExplainerError)


BAD_IDS = [
    "", "s7-i3-cnn-easy", "s07-i3-cnn-easy-table", "s7-i3-cnn-easy-table-x",
    "S7-i3-cnn-easy-table", "s7-i-3-cnn-easy-table", "s7-i3-rnn-easy-inverse",
    "s7-i3-cnn-trivial-table", "s7-i3-cnn-easy-quiz", "s7-i3-course-easy-error",
    "s7-i3-attention-hard-inverse", "s7-i3-lstm-easy-table",
    " s7-i3-cnn-easy-table", "s٧-i3-cnn-easy-table",
]  # fmt: skip


@pytest.mark.parametrize("bad", BAD_IDS)
def test_bad_ids_are_refused(bad: str) -> None:
    with pytest.raises(GenerateError, match=r"problem id|unknown|does not apply|not available"):
        problem_from_id(bad)


# -- the CLI: solve --problem ------------------------------------------------------------------


def test_cli_solve_problem_prints_its_worked_solution() -> None:
    runner = CliRunner()
    for pid in ("s7-i0-cnn-easy-table", "s7-i5-mlp-medium-error"):
        problem = problem_from_id(pid)
        by_id = runner.invoke(main, ["solve", "--problem", pid, "--format", "json"])
        assert by_id.exit_code == 0, by_id.output
        assert json.loads(by_id.stdout) == solution_json(problem.solution)
        by_spec = runner.invoke(main, ["solve", problem.solved_spec])
        assert runner.invoke(main, ["solve", "--problem", pid]).stdout == by_spec.stdout


def test_cli_solve_problem_refusals() -> None:
    runner = CliRunner()
    bad = runner.invoke(main, ["solve", "--problem", "s7-i0-cnn-easy-tabel"])
    assert bad.exit_code == 2 and "did you mean 'table'" in bad.stderr and bad.stdout == ""
    both = runner.invoke(
        main, ["solve", "input(4) -> Linear(4, 2)", "--problem", "s7-i0-cnn-easy-table"]
    )
    assert both.exit_code == 2 and "give only one of SPEC, --example, --problem" in both.stderr
