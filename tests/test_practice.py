"""`explainer practice`: reading answers, naming mistakes, hints, the session engine, the command
with piped input (right, wrong with the mistake named, h, s, q, end of input, Ctrl-C)."""

from __future__ import annotations

import io
import re
import shlex
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import given
from hypothesis import strategies as st

from explainer.api import solve_example
from explainer.cli import main
from explainer.rendering.render import group_digits, render_practice
from explainer.teaching.generate import GenerateError, problem_from_id
from explainer.teaching.practice import (
    Mistake,
    Session,
    faded_items,
    fraction_verdict,
    items,
    judge,
    parse_answer,
    read_fraction,
)

README = Path(__file__).resolve().parent.parent / "README.md"

# Seed 3, topic cnn: problem 1 asks the parameters of Conv2d(1, 32, kernel_size=3, padding=1),
# ((3·3·1)+1)·32 = 320; without the biases it is 3·3·1·32 = 288.
FIRST = "How many parameters does layer 1, Conv2d(1, 32, kernel_size=3, padding=1), have?"


def run(*args: str, input: str | io.BufferedReader | None = None) -> Result:
    return CliRunner().invoke(main, ["practice", *args], input=input, prog_name="explainer")


def right_answer(session: Session) -> str:
    attempt = session.current
    assert attempt is not None
    answer = attempt.item.answer
    return str(answer) if isinstance(answer, int) else "x".join(map(str, answer))


# -- reading an answer -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1216", 1216),
        (" 1,216 ", 1216),
        ("1_216", 1216),
        ("1 216", 1216),
        ("883,530", 883530),
        ("8,83,530", 883530),  # Indian grouping, as the handout writes 2,62,400
        ("2,62,400", 262400),
        ("2_62_400", 262400),
        ("16x14x14", (16, 14, 14)),
        ("16 × 14 × 14", (16, 14, 14)),
        ("16X14", (16, 14)),
        ("[16, 14, 14]", (16, 14, 14)),
        ("(16,14,14)", (16, 14, 14)),
        ("(3136,)", (3136,)),
        ("[-1, 16, 14, 14]", (-1, 16, 14, 14)),  # torchsummary's batch: kept, to be named
    ],
)
def test_parse_answer(text: str, expected: object) -> None:
    assert parse_answer(text) == expected


@pytest.mark.parametrize(
    "text", ["", "abc", "-5", "1.5", "12,34", "1,2,3", "1,216,00", "1,216_000", "[]", "()",
             "[16, x]", "(16,,14)", "[16, -2]", "16x", "x16", "[16, 14"],
)  # fmt: skip
def test_unreadable_answers(text: str) -> None:
    assert parse_answer(text) is None


def test_bare_lists_are_shapes_only_where_a_shape_is_asked() -> None:
    assert parse_answer("16,14,14", axes=3) == (16, 14, 14)
    assert parse_answer("16 14 14", axes=3) == (16, 14, 14)
    assert parse_answer("16,140,140", axes=3) == (16, 140, 140)
    assert parse_answer("16,140,140") == 16140140  # a count: western grouping
    assert parse_answer("3,136", axes=1) == 3136  # a flat shape given as a grouped number
    assert parse_answer("3,136", axes=3) == 3136  # not a shape of three: still the number
    assert parse_answer("16,128", axes=2) == (16, 128)  # two axes asked: two sizes


@given(st.integers(min_value=0, max_value=10**15), st.sampled_from(["western", "indian"]),
       st.sampled_from([",", "_", " "]))  # fmt: skip
def test_grouped_numbers_round_trip(value: int, digits: str, separator: str) -> None:
    assert parse_answer(group_digits(value, digits, separator)) == value


FORMS = [("{}", "x"), ("{}", " × "), ("[{}]", ", "), ("({})", ","), ("{}", ", "), ("{}", " ")]


@given(st.lists(st.integers(min_value=0, max_value=10**6), min_size=2, max_size=5),
       st.sampled_from(FORMS))  # fmt: skip
def test_shapes_round_trip(sizes: list[int], form: tuple[str, str]) -> None:
    wrap, separator = form
    written = wrap.format(separator.join(map(str, sizes)))
    assert parse_answer(written, axes=len(sizes)) == tuple(sizes)


# -- named mistakes --------------------------------------------------------------------------


def test_a_forgotten_bias_is_named_with_the_difference() -> None:
    (item,) = items(problem_from_id("s3-i0-cnn-easy-params"))
    verdict = judge(item, 288)
    assert verdict.mistake is not None
    assert verdict.mistake.description == "the bias of each filter forgotten"
    assert verdict.difference == -32
    assert verdict.mistake.step is not None and verdict.mistake.step.value == 288


def test_an_unnamed_wrong_count_says_only_too_high_or_low() -> None:
    (item,) = items(problem_from_id("s3-i0-cnn-easy-params"))
    assert judge(item, 1000) == type(judge(item, 1000))(None, 680)


def test_shape_mistakes() -> None:
    problem = problem_from_id("s6-i1-cnn-easy-shape")  # after MaxPool2d(2): 16×14×14
    (item,) = items(problem)
    assert item.shape and isinstance(item.answer, tuple) and len(item.answer) == 3
    channels, height, width = item.answer

    def named(answer: tuple[int, ...]) -> Mistake | None:
        return judge(item, answer).mistake

    assert "batch dimension" in getattr(named((1, *item.answer)), "description", "")
    assert "channels written last" in getattr(named((height, width, channels)), "description", "")
    flat = named((channels * height * width,))
    assert flat is not None and flat.description == "the axes multiplied into one number"
    off = judge(item, (channels, height + 5, width))
    assert off.mistake is None and off.axes == (("channels", True), ("height", False),
                                                ("width", True))  # fmt: skip


def test_size_mistake_named_on_its_axis() -> None:
    (item,) = items(problem_from_id("s1-i1-cnn-easy-shape"))  # after MaxPool2d(2): 8×10×10
    assert item.answer == (8, 10, 10)
    verdict = judge(item, (8, 9, 9))
    assert verdict.mistake is not None
    assert verdict.mistake.description.startswith("the “+ 1” of the size formula forgotten, as in")
    assert (verdict.what, verdict.difference) == ("the height in your answer", -1)
    assert judge(item, (8, 20, 20)).mistake == Mistake(
        (8, 20, 20), "the shape reaching the layer, not the one it gives"
    )


def test_total_mistakes_name_the_layer() -> None:
    solution = problem_from_id("s5-i0-cnn-easy-table").solution
    (item,) = faded_items(solution, 1)
    assert item.answer == solution.total_params
    weighted = [layer for layer in solution.layers if layer.params]
    left_out = judge(item, solution.total_params - weighted[0].params).mistake
    assert left_out is not None
    assert left_out.where == f"layer {weighted[0].index}, {weighted[0].spec.text}"
    assert left_out.description == "its parameters left out of the sum"


def test_every_generated_item_has_hints_and_the_right_answer_checks() -> None:
    for kind in ("params", "shape", "inverse", "choice", "error"):
        for index in range(4):
            problem = problem_from_id(f"s11-i{index}-cnn-medium-{kind}")
            for item in items(problem):
                assert item.stages
                assert all(mistake.value != item.answer for mistake in item.mistakes)


# -- the session engine ----------------------------------------------------------------------


def test_start_shows_the_first_problem() -> None:
    session = Session(3, count=2)
    out = session.start()
    assert out.startswith("Practice: 2 problems on cnn, starting easy (seed 3).\n")
    assert "Problem 1 of 2 (easy, s3-i0-cnn-easy-params)\n" in out
    assert out.endswith(FIRST + "\n")
    assert session.prompt == "Answer: "


def test_right_answer_moves_on() -> None:
    session = Session(3, count=2)
    session.start()
    out = session.feed("320")
    assert out.startswith("Right: 320.\n\nProblem 2 of 2")


def test_wrong_answer_names_the_misconception() -> None:
    session = Session(3, count=2)
    session.start()
    assert session.feed("288") == (
        "Not right.\n"
        "Likely mistake: the bias of each filter forgotten.\n"
        "  Parameters = (m·n·d)·k = (3·3·1)·32 = 288\n"
        "Try again, or h for a hint, s for the solution, q to quit.\n"
    )
    assert session.feed("1,000") == (
        "Not right: your answer is too high.\n"
        "Try again, or h for a hint, s for the solution, q to quit.\n"
    )
    assert session.feed("320").startswith("Right: 320.")


def test_hints_reveal_formula_then_numbers_then_value() -> None:
    session = Session(3, count=1)
    session.start()
    layer = "Layer 1, Conv2d(1, 32, kernel_size=3, padding=1): parameters"
    assert session.feed("h") == (
        f"Hint 1 of 3: {layer} = ((m·n·d)+1)·k\n"
        "    where m: kernel width; n: kernel height; "
        "d: input channels, the filters of the previous layer; k: filters\n"
    )
    assert session.feed("h") == (
        f"Hint 2 of 3: {layer} = ((3·3·1)+1)·32\n    with m = 3, n = 3, d = 1, k = 32\n"
    )
    assert session.feed("h") == (
        f"Hint 3 of 3: {layer} = ((m·n·d)+1)·k = ((3·3·1)+1)·32 = 320\n"
        "    each of the k = 32 filters has m·n·d = 3·3·1 = 9 weights and one bias\n"
    )
    assert session.feed("h") == "No more hints: type the answer, or s for the whole solution.\n"
    session.feed("320")
    assert session.done
    attempt = session.played[0].attempts[0]
    assert (attempt.hints, attempt.result) == (3, "shown")  # the hints gave the value away


def test_solution_shows_the_steps_and_moves_on() -> None:
    session = Session(3, count=2)
    session.start()
    out = session.feed("s")
    assert out.startswith(
        "The solution:\n"
        "Layer 1, Conv2d(1, 32, kernel_size=3, padding=1): parameters = ((m·n·d)+1)·k "
        "= ((3·3·1)+1)·32 = 320\n"
        "    each of the k = 32 filters has m·n·d = 3·3·1 = 9 weights and one bias\n"
        "Answer: 320.\n\nProblem 2 of 2"
    )


def test_unreadable_input_is_asked_again_and_costs_nothing() -> None:
    session = Session(3, count=1)
    session.start()
    assert session.feed("three hundred") == (
        'Cannot read "three hundred" as a number.\n'
        "Answer with a number, as 1216, 1,216 or 1_216; h: a hint, s: the solution, q: quit.\n"
    )
    assert session.feed("16x14x14").startswith('Cannot read "16x14x14" as a number.')
    assert session.feed("").startswith("Answer with a number")
    assert session.feed("?").startswith("Answer with a number")
    assert session.feed("320").startswith("Right")
    assert session.played[0].attempts[0].clean


def test_multiple_choice_by_letter() -> None:
    session = Session(3, count=4)
    session.start()
    for _ in range(3):
        session.feed("s")
    attempt = session.current
    assert attempt is not None and attempt.item.choices
    wrong = next(c for c in attempt.item.choices if not c.correct)
    out = session.feed(wrong.label.lower())
    assert wrong.misconception is not None
    assert f"Likely mistake: {wrong.misconception.description}." in out
    right = next(c for c in attempt.item.choices if c.correct)
    assert session.feed(f"{right.label})").startswith("Right:")


def test_quit_and_summary() -> None:
    session = Session(3, count=3)
    session.start()
    session.feed("320")
    session.feed("h")
    assert session.feed("q") == ""
    assert session.done and session.feed("320") == ""
    assert session.finish() == (
        "\n"
        "Score: 1 of 2 right, 1 at the first try; 1 hint, 0 solutions shown.\n"
        "Difficulty: easy -> easy\n"
        "  s3-i0-cnn-easy-params: right at the first try\n"
        "  s3-i1-cnn-easy-shape: not answered\n"
        "Work a problem out again: explainer solve --problem ID\n"
    )


def test_difficulty_steps_up_after_two_clean_and_down_after_a_miss() -> None:
    session = Session(3, count=6)
    session.start()
    while len(session.played) < 5:  # four clean problems: easy, easy, medium, medium
        session.feed(right_answer(session))
    while len(session.played) < 6:  # then a miss on the fifth, the first hard one
        session.feed("s")
    levels = [played.problem.difficulty for played in session.played]
    assert levels == ["easy", "easy", "medium", "medium", "hard", "medium"]


def test_difficulty_stays_within_bounds() -> None:
    session = Session(3, difficulty="easy", count=3)
    session.start()
    session.feed("s")
    session.feed("s")
    assert [p.problem.difficulty for p in session.played] == ["easy", "easy", "easy"]


def test_deterministic_given_seed_and_input() -> None:
    lines = ["288", "h", "320", "s", "12", "h", "h", "s", "b", "q"]

    def transcript() -> str:
        session = Session(9, topic="mlp", count=4)
        out = [session.start()]
        out += [session.feed(line) for line in lines]
        return "".join(out) + session.finish()

    assert transcript() == transcript()


def test_the_session_ends_after_count_problems() -> None:
    session = Session(4, topic="course", count=2)
    session.start()
    while not session.done:
        session.feed(right_answer(session))
    assert len(session.played) == 2
    assert "Score: 2 of 2 right, 2 at the first try" in session.finish()


def test_faded_example_asks_the_rule_then_the_value() -> None:
    session = Session(4, topic="mlp", count=1, fade=2)
    out = session.start()
    assert "Parameters = ____ (which rule gives this step?)" in out
    assert "Total parameters = ____ (which rule gives this step?)" in out
    assert "Blank 1 of 2: Layer 3, Linear(128, 2): parameters = ____\n" in out
    assert out.endswith(
        "Which rule gives this step? Name it in a few words; then give its value.\n"
    )
    assert session.prompt == "Rule: "
    assert session.feed("weights plus one bias per neuron") == ""
    assert session.prompt == "Answer: "
    assert session.feed("256").startswith(
        "Not right.\nLikely mistake: the bias of each neuron forgotten."
    )
    out = session.feed("258")
    assert out.startswith(
        "Right: 258.\nThe rule (you said: weights plus one bias per neuron):\n"
        "Layer 3, Linear(128, 2): parameters = i·o + o = 128·2 + 2 = 258\n"
        "    each of the o = 2 neurons has i = 128 weights and one bias\n"
        "\nBlank 2 of 2: Total parameters = ____\n"
    )
    assert session.prompt == "Rule: "
    session.feed("h")  # a hint at the rule prompt skips naming it
    assert session.prompt == "Answer: "


def test_bad_options_are_library_errors() -> None:
    with pytest.raises(GenerateError, match="unknown topic 'rnnn'"):
        Session(1, topic="rnnn")
    with pytest.raises(GenerateError, match="count must be"):
        Session(1, count=0)


# -- the command, with piped input -----------------------------------------------------------


def test_piped_right_wrong_hint_solution_quit() -> None:
    result = run("--seed", "3", "--count", "3", input="288\nh\n320\ns\nq\n")
    assert (result.exit_code, result.stderr) == (0, "")
    out = result.stdout
    assert f"{FIRST}\nAnswer: 288\nNot right.\n" in out
    assert "Likely mistake: the bias of each filter forgotten.\n" in out
    assert "Answer: h\nHint 1 of 3: Layer 1, Conv2d(1, 32, kernel_size=3, padding=1)" in out
    assert "Answer: 320\nRight: 320.\n" in out
    assert "Answer: s\nThe solution:\n" in out
    assert out.endswith(
        "Answer: q\n\n"
        "Score: 1 of 3 right, 0 at the first try; 1 hint, 1 solution shown.\n"
        "Difficulty: easy -> easy -> easy\n"
        "  s3-i0-cnn-easy-params: right after 1 wrong answer and 1 hint\n"
        "  s3-i1-cnn-easy-shape: solution shown\n"
        "  s3-i2-cnn-easy-inverse: not answered\n"
        "Work a problem out again: explainer solve --problem ID\n"
    )


def test_end_of_input_prints_the_summary_and_exits_0() -> None:
    result = run("--seed", "3", "--count", "5", input="320\n")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.endswith(
        "Answer: 320\nRight: 320.\n\nProblem 2 of 5 (easy, s3-i1-cnn-easy-shape)\n"
        "For the following architecture with input shape 3×32×32:\n"
        "  input(3, 32, 32) -> Conv2d(3, 6, kernel_size=3) -> Dropout(0.2) -> ReLU -> Flatten "
        "-> Linear(out_features=64) -> ReLU -> Linear(out_features=10)\n"
        "What is the output shape after layer 4, Flatten? (without the batch dimension, "
        "e.g. 16×14×14 or 128)\n"
        "Answer: \n\n"
        "Score: 1 of 2 right, 1 at the first try; 0 hints, 0 solutions shown.\n"
        "Difficulty: easy -> easy\n"
        "  s3-i0-cnn-easy-params: right at the first try\n"
        "  s3-i1-cnn-easy-shape: not answered\n"
        "Work a problem out again: explainer solve --problem ID\n"
    )


def test_no_input_at_all() -> None:
    result = run("--seed", "3", "--count", "1")
    assert result.exit_code == 0
    assert result.stdout.endswith(
        f"{FIRST}\nAnswer: \n\n"
        "Score: 0 of 1 right, 0 at the first try; 0 hints, 0 solutions shown.\n"
        "Difficulty: easy\n"
        "  s3-i0-cnn-easy-params: not answered\n"
        "Work a problem out again: explainer solve --problem ID\n"
    )


class _Interrupted(io.RawIOBase):
    """Standard input that gives its lines, then is interrupted as Ctrl-C interrupts a read."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if not self.data:
            raise KeyboardInterrupt
        size = len(self.data)
        buffer[:size] = self.data
        self.data = b""
        return size


def test_ctrl_c_prints_the_summary_and_exits_0() -> None:
    result = run("--seed", "3", "--count", "3", input=io.BufferedReader(_Interrupted(b"320\n")))
    assert (result.exit_code, result.stderr) == (0, "")
    assert "Answer: 320\nRight: 320.\n" in result.stdout
    assert result.stdout.endswith(
        "Answer: \n\nScore: 1 of 2 right, 1 at the first try; 0 hints, 0 solutions shown.\n"
        "Difficulty: easy -> easy\n"
        "  s3-i0-cnn-easy-params: right at the first try\n"
        "  s3-i1-cnn-easy-shape: not answered\n"
        "Work a problem out again: explainer solve --problem ID\n"
    )


def test_fade_practice_from_the_command() -> None:
    result = run("--seed", "4", "--topic", "mlp", "--count", "1", "--fade", "1",
                 input="the sum of the layers\n33154\n")  # fmt: skip
    assert result.exit_code == 0
    assert "Rule: the sum of the layers\nAnswer: 33154\nRight: 33,154.\n" in result.stdout
    assert "Score: 1 of 1 right, 1 at the first try" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--topic", "rnnn"], "explainer: error: unknown topic 'rnnn'"),
        (["--count", "0"], "explainer: error: count must be an integer from 1 to 1000, got 0\n"),
        (["--difficulty", "impossible"], "explainer: error: unknown difficulty 'impossible'"),
    ],
)
def test_bad_options_exit_2_in_one_line(args: list[str], message: str) -> None:
    result = run(*args, input="")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1


def test_random_seed_is_printed() -> None:
    out = run("--count", "1", input="").stdout
    seed = re.search(r"\(seed (\d+)\)", out)
    assert seed is not None
    assert run("--count", "1", "--seed", seed[1], input="").stdout == out


def test_readme_piped_transcript_is_true() -> None:
    """The README's ``$ printf ... | explainer practice`` block is this command's real output."""
    text = README.read_text(encoding="utf-8")
    block = re.search(r"```console\n(\$ printf .*?)```", text, re.DOTALL)
    assert block is not None, "README has no piped practice example"
    first, _, expected = block[1].partition("\n")
    printf, pipe = first[2:].split(" | ")
    words = shlex.split(printf)
    assert words[0] == "printf"
    piped = words[1].encode().decode("unicode_escape")
    command = shlex.split(pipe)
    assert command[:2] == ["explainer", "practice"]
    result = run(*command[2:], input=piped)
    assert result.exit_code == 0
    assert result.stdout == expected


def test_a_size_slip_before_a_count_is_named_first() -> None:
    """FC(37) after Maxpool(2) on 37 (18 inputs: 666). 703 is 19·37 (the Maxpool rounded up)
    and also 18·37 + 37 (a bias added to FC): the size slip comes first, the other after."""
    (item,) = items(problem_from_id("s3-i0-course-hard-params"))
    assert item.answer == 18 * 37
    verdict = judge(item, 703)
    assert verdict.mistake is not None and verdict.mistake.where == "layer 10, Maxpool(2)"
    assert "rounded up" in verdict.mistake.description
    assert [m.description for m in verdict.also] == ["a bias counted although bias=False"]
    slip = judge(item, 17 * 37).mistake  # the handout's + 1 slip on the Maxpool
    assert slip is not None and "handout's Maxpool row" in slip.description


def test_feedback_never_says_by_how_much() -> None:
    session = Session(3, count=1)
    session.start()
    out = session.feed("288")  # 320 - 32: the bias forgotten
    assert "Likely mistake: the bias of each filter forgotten." in out
    assert not re.search(r"\b32\b (less|more)|less than|more than", out)
    assert "too low" in session.feed("1")  # no mistake gives 1: only which way


def test_a_fractional_size_is_named() -> None:
    solution = solve_example("handout-mlp")
    (item,) = [i for i in faded_items(solution, 3) if "output length" in i.prompt]
    assert item.answer == 42
    assert fraction_verdict(item, Fraction(4267, 100)).mistake.startswith("the floor forgotten")
    assert fraction_verdict(item, Fraction(4267, 100)).size
    both = fraction_verdict(item, Fraction(4167, 100)).mistake
    assert both == "the floor and the “+ 1” both forgotten"
    assert fraction_verdict(item, Fraction(1, 2)).mistake == ""
    assert read_fraction("41.67") == Fraction(4167, 100)
    assert read_fraction("125/3") == Fraction(125, 3)
    assert read_fraction("42") is None and read_fraction("42.0") is None


def test_a_fractional_answer_in_a_session() -> None:
    session = Session(3, topic="course", difficulty="hard", count=1)
    session.start()
    out = session.feed("666.5")
    assert out.startswith("Not right: a count of parameters is a whole number.")


def test_hints_climb_through_every_size_before_the_count() -> None:
    """FC(37) counts the 18 features a floor chain gives (300 → 250 → 83 → 50 → 37 → 18):
    every size is worked out before the count, each Maxpool with its floor."""
    (item,) = items(problem_from_id("s3-i0-course-hard-params"))
    sizes = [stage.step.value for stage in item.stages if stage.kind == "value"][:-1]
    assert sizes == [83, 18]  # the two Maxpools, in full, the floor included
    lines = [stage.layer.output_shape for stage in item.stages if stage.kind == "layer"]
    assert lines == [(250,), (50,), (37,)]  # the FC layers: one line each
    assert [stage.kind for stage in item.stages][-3:] == ["formula", "numbers", "value"]
    assert item.stages[-1].step is not None and item.stages[-1].step.value == 666


def test_a_count_that_does_not_depend_on_the_sizes_before_does_not_climb() -> None:
    (item,) = items(problem_from_id("s3-i0-cnn-easy-params"))  # Conv2d: d is written
    assert [stage.kind for stage in item.stages] == ["formula", "numbers", "value"]


def test_a_table_box_starts_at_its_own_layer() -> None:
    from explainer.teaching.quizzes.selfstudy import example_problem, exercise

    row = exercise(1, example_problem("handout-cnn")).asked[15]
    for box in row.boxes:  # layer 16, Linear-16: the shape reaching it is given, no more
        first, *rest = box.item.stages
        assert first.kind == "incoming" and first.layer is not None and first.layer.index == 16
        assert all(stage.layer is None or stage.layer.index == 16 for stage in rest)


def test_no_hint_is_a_parser_message() -> None:
    for index in range(6):
        problem = problem_from_id(f"s{index}-i0-cnn-easy-error")
        for item in items(problem):
            session_text = [render_practice("hint", stage=s, number=1, of=1) for s in item.stages]
            assert not any(re.search(r"line \d+, col \d+", text) for text in session_text)
            assert any("but the shape reaching it needs" in text for text in session_text)


# -- practice on one's own network ------------------------------------------------------------


def test_practice_on_the_handouts_exercise_layer_by_layer() -> None:
    result = run("--example", "handout-mlp", input="256\n262,400\n256\n0\n128\n32768\n")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("Practice on handout-mlp: the output shape of every layer, then its")
    asked = re.findall(r"^(Layer \d+, .*\?)$", out, re.MULTILINE)
    assert asked[:7] == [
        "Layer 1, FCwB(256): output shape?", "Layer 1, FCwB(256): parameters?",
        "Layer 2, Dropout(0.1): output shape?", "Layer 2, Dropout(0.1): parameters?",
        "Layer 3, FC(128): output shape?", "Layer 3, FC(128): parameters?",
        "Layer 4, tanh: output shape?",
    ]  # fmt: skip
    assert out.count("Right:") == 6
    assert "The worked solution: explainer solve --example handout-mlp" in out


def test_practice_on_a_spec_names_the_mistakes() -> None:
    spec = "input(1,28,28) -> Conv2d(1, 16, 5, padding=2) -> MaxPool2d(2)"
    result = run(spec, input="16x24x24\nh\n16,28,28\n400\n416\n")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Likely mistake: the padding forgotten." in out
    assert "Likely mistake: the bias of each filter forgotten." in out
    assert "Layer 2, MaxPool2d(2): output shape?" in out  # the next row comes after layer 1's
    assert "Hint 1 of " in out and "Right: 416." in out


def test_practice_on_a_spec_refuses_what_it_cannot_do() -> None:
    for args, message in [
        (("input(3) -> Linear(4, 2)",), "in_features=4 contradicts the incoming shape [3]"),
        (("-",), "practice reads the answers from standard input"),
        (("--example", "handout-mlp", "--fade", "1"), "--fade blanks generated worked"),
        (("--example", "handout-mpl"), "no example named 'handout-mpl'"),
    ]:
        result = run(*args, input="")
        assert result.exit_code == 2 and result.stdout == "", args
        assert message in result.stderr and len(result.stderr.splitlines()) == 1


def test_a_total_of_one_term_is_said_once() -> None:
    """One counted layer: its count is the total, said once (not '= 416 = 416')."""
    result = run("input(1, 8, 8) -> Conv2d(1, 16, 5)", input="s\ns\ns\n")
    assert result.exit_code == 0, result.output
    assert "The solution:\nTotal parameters = p₁ = 416\n    the total is the sum" in result.stdout
