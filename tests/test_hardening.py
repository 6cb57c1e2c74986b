"""Nothing lost, nothing injected (issue 11): every input that once broke the promise, kept.

Bad input ends with exit code 2 and one line under 300 characters, never a traceback; nothing
is half-written, nothing of the user's is lost, and no element, attribute or link in an output
comes from input.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from explainer import boundary
from explainer.cli import main
from explainer.deriving.solve import Solution
from explainer.errors import LimitError
from explainer.reading import bank
from explainer.reading.check import check_memory, parse_memory
from explainer.reading.roster import RosterError, parse_roster
from explainer.rendering import files
from explainer.teaching.generate import problem_from_id
from explainer.teaching.generate.ids import MAX_SEED, ProblemId

ROOT = Path(__file__).resolve().parent.parent


def run(args: list[str], input: str | None = None) -> Result:
    return CliRunner().invoke(main, args, input=input, prog_name="explainer")


def one_error_line(result: Result) -> str:
    """Exit code 2, one line under 300 characters on stderr, nothing on stdout."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert result.exit_code == 2, (result.exit_code, result.stdout[:2000], result.stderr[:2000])
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.endswith("\n"), result.stderr[:2000]
    assert result.stderr.startswith("explainer: error: ") and len(result.stderr) < 300
    return result.stderr.removeprefix("explainer: error: ").rstrip("\n")


def explainer(
    *args: str | bytes, stdin: bytes = b"", timeout: float = 120
) -> subprocess.CompletedProcess[bytes]:
    """The real command in its own process: argv bytes, signals, memory."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "explainer", *args],
        input=stdin,
        capture_output=True,
        env=env,
        timeout=timeout,
        check=False,
    )


def refused_line(done: subprocess.CompletedProcess[bytes]) -> str:
    stderr = done.stderr.decode("utf-8")
    assert done.returncode == 2, (done.returncode, stderr[-2000:])
    assert done.stdout == b""
    assert stderr.count("\n") == 1 and len(stderr) < 300, stderr[:2000]
    assert stderr.startswith("explainer: error: ") and "Traceback" not in stderr
    return stderr.removeprefix("explainer: error: ").rstrip("\n")


def ok(result: Result) -> str:
    assert result.exit_code == 0, (result.exit_code, result.stderr, result.exc_info)
    return result.stdout


# -- tracebacks that became one line -----------------------------------------------------------


def test_invalid_utf8_on_standard_input() -> None:
    message = refused_line(explainer("solve", "-", stdin=b"input(4) -> Linear(\xff3)"))
    assert message == "standard input, line 1, col 20: byte 0xff is not UTF-8 text"


def test_invalid_utf8_in_an_argument() -> None:
    message = refused_line(explainer("solve", os.fsdecode(b"input(4) -> Linear(\xff3)")))
    assert message == "SPEC, line 1, col 20: byte 0xff is not UTF-8 text"
    message = refused_line(explainer("solve", "Linear(3)", "--input", os.fsdecode(b"4\xfe")))
    assert "--input, line 1, col 2: byte 0xfe is not UTF-8 text" in message


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["solve", "input(4) -> Linear(" + "9" * 5000 + ")"], "more than 1,000 digits"),
        (["solve", "Linear(3)", "--input", "9" * 5000], "size 1 has more than 1,000 digits"),
        (["solve", "input(4) -> Linear(" + "-" * 6000 + "3)"], "more than 100 arithmetic"),
        (["solve", "input(4) -> Linear(" + "*".join(["9" * 900] * 3) + ")"], "more than 1,000"),
        (["solve", "input(" + ",".join(["1"] * 10_000) + ") -> Flatten"], "at most 16"),
        (["solve", "input(4) -> LeakyReLU(1e400)", "--format", "json"], "not a finite number"),
        (["solve", "input(4) -> ReLU -> -> ReLU"], "an empty step"),
        (["solve", "--input", "4", "--", "-> ReLU"], "an empty step"),
        (["solve", "input(4) -> ReLU ->"], "ends with an arrow"),
        (["solve", "input(2) -> Unflatten(1, (" + "1," * 100 + "))"], "at most 64"),
        (["quiz", "--seed", "1000000000000000000", "--format", "json"], "at most 999,999"),
        (["solve", "--problem", "s1000000000000000000-i0-cnn-easy-params"], "bad problem id"),
        (["check", "input(20000) -> Linear(20000)"], "above --max-memory 1,000,000,000"),
        (["check", "input(100000) -> Linear(100000)"], "40,003,600,000 bytes"),
        (["solve", "input(4) -> " + " -> ".join(["ReLU"] * 110_000)], "more than 2,000 layers"),
        (
            [
                "solve",
                "(r): ReLU()\ndef forward(self, x):\n" + "    x = self.r(x)\n" * 2001,
                "--input",
                "4",
            ],
            "2,001 layers applied; at most 2,000",
        ),
        (["check", "input(4) -> Linear(3)", "--max-memory", "lots"], "give a size"),
    ],
)
def test_refused_by_name(args: list[str], expected: str) -> None:
    message = one_error_line(run(args))
    assert expected in message and len(message) < 280, message


def test_nesting_that_recursed_is_refused_by_name() -> None:
    nested = "Net(\n" + "".join(f"(s{i}): Sequential(\n" for i in range(2000))
    nested += "(fc): Linear(4, 4)\n" + ")\n" * 2001
    assert "nested more than 32 deep" in one_error_line(run(["solve", "-", "--input", "4"], nested))
    forward = "(fc): Linear(4, 4)\ndef forward(self, x):\n    return self.fc(x" + "+x" * 990 + ")\n"
    message = one_error_line(run(["solve", "-", "--input", "4"], forward))
    assert "more than 100 arithmetic operators" in message


def test_a_huge_integer_as_a_practice_answer_keeps_the_session() -> None:
    answers = "9" * 5000 + "\n" + "9" * 900 + "\n" + "q\n"
    result = run(["practice", "--seed", "3", "--count", "1"], answers)
    out = ok(result)
    assert "longer than 1,000 characters; try again." in out
    assert "Score: 0 of 1 right" in out


def test_invalid_utf8_as_a_practice_answer_keeps_the_session() -> None:
    done = explainer("practice", "--seed", "3", "--count", "1", stdin=b"\xff\n320\n")
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode("utf-8")
    assert "byte 0xff is not UTF-8 text; try again." in out and "Right: 320." in out


def test_a_broken_bank_file_is_named_and_spares_the_others(tmp_path: Path) -> None:
    good = (ROOT / "exercises" / "handout-mlp.toml").read_text(encoding="utf-8")
    (tmp_path / "good.toml").write_text(good, encoding="utf-8")
    for text in [
        'title = "x"\nspec = "unterminated',
        'title = 1\nspec = "Linear(3)"\n',
        "a = " + "[" * 5000,
        '\ufefftitle = "x"\nspec = "Linear(3)"\ntotal_params = "3"\n',
    ]:
        (tmp_path / "bad.toml").write_text(text, encoding="utf-8")
        with pytest.raises(bank.BankError, match=r"bank file bad\.toml"):
            bank.examples(tmp_path)
        assert bank.example("good", tmp_path).total_params == 295294  # --example still works


def test_a_spec_file_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    spec = tmp_path / "model.txt"
    spec.write_bytes(b"\xef\xbb\xbfinput(4) -> Linear(3)\n")
    assert "Total parameters" in ok(run(["solve", str(spec)]))


def test_a_file_s_text_is_never_quoted(tmp_path: Path) -> None:
    secret = tmp_path / "shadow"
    secret.write_text("root:$6$hunter2saltsecret:19000:0:99999:7:::\n", encoding="utf-8")
    message = one_error_line(run(["solve", str(secret)]))
    assert "hunter2" not in message and "root" not in message
    assert message.startswith("line 1, col 5: invalid syntax in the text there")


PEAK = """
import resource, subprocess, sys
with open(sys.argv[1], "rb") as spec:
    done = subprocess.run(sys.argv[2:], stdin=spec, capture_output=True, check=False)
sys.stderr.buffer.write(done.stderr)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(done.returncode)
"""


def peak_kib(spec: Path, *args: str) -> tuple[int, subprocess.CompletedProcess[bytes]]:
    """Run explainer as the only child of a fresh process, which reports the child's peak."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-c", PEAK, str(spec), sys.executable, "-m", "explainer", *args]
    done = subprocess.run(command, capture_output=True, env=env, timeout=300, check=False)
    return int(done.stdout), subprocess.CompletedProcess(args, done.returncode, b"", done.stderr)


def test_a_50_mb_spec_is_refused_at_once_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"input(4) -> " + b"ReLU -> " * (50_000_000 // 8) + b"Linaer(3)")
    peak, done = peak_kib(path, "solve", "-")
    assert refused_line(done) == "standard input is longer than 1,000,000 bytes"
    assert peak < 300_000  # KiB, the whole process with its imports (about 60 MB)
    peak, done = peak_kib(path, "solve", str(path))
    assert refused_line(done).endswith("is longer than 1,000,000 bytes")
    assert peak < 300_000


def test_a_long_spec_under_the_limit_gives_a_short_error() -> None:
    spec = "input(4) -> Linear(3, bias='" + "x" * 500_000 + "')"
    message = one_error_line(run(["solve", spec]))
    assert len(message) <= boundary.MAX_MESSAGE_CHARS and message.endswith("…")


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("[" * 100_000, "brackets nested more than 32 deep"),
        ('{"n_embd": ' + "9" * 5000 + "}", "an integer with more than 100 digits"),
        ('{"n_embd": NaN}', "NaN is not a number JSON allows"),
        ('{"n_embd": Infinity}', "Infinity is not a number JSON allows"),
        ("\ufeff[1, 2]", "a configuration is a JSON object"),
    ],
)
def test_a_hostile_hf_config_is_refused_by_name(tmp_path: Path, config: str, expected: str) -> None:
    path = tmp_path / "config.json"
    path.write_text(config, encoding="utf-8")
    assert expected in one_error_line(run(["solve", "--hf", str(path)]))


def test_huge_sizes_stay_printable_everywhere() -> None:
    """Products of sizes (MACs, bytes, check's memory) never reach Python's 4,300 digits."""
    big = "9" * 999
    for spec in [
        f"input({big}, {big}, {big}, {big}, {big}) -> ReLU",
        f"input(1,{big},{big}) -> Conv2d({big}, 1)",
    ]:
        for args in (["solve", spec, "--show", "macs,memory"], ["check", spec]):
            assert "more than 1,000 digits" in one_error_line(run(args))


# -- check: bounded before anything is allocated ------------------------------------------------


def test_check_derives_its_memory_before_allocating() -> None:
    from explainer.api import solve_spec

    solution: Solution = solve_spec("input(20000) -> Linear(20000)")
    with pytest.raises(LimitError, match=r"layer 1, Linear: .*1,600,720,000 bytes"):
        check_memory(solution, parse_memory("1GB"))
    check_memory(solution, parse_memory("2GB"))  # under the limit: no refusal
    assert parse_memory("1GiB") == 2**30 and parse_memory("500MB") == 500 * 10**6


# -- rosters: strict --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('id,name\na1,"Alice\nb2,Bob\nc3,Carol\n', "line 2: not valid CSV"),
        ("id,name\na1,Alice,extra\n", "line 2: 3 cells where the header has 2"),
        ("id,name\na1\n", "line 2: 1 cells where the header has 2"),
        ("id;name\na1;Alice\n", "separated by semicolons"),
        ("id,name\na1," + "x" * 140_000 + "\n", "line 2: a cell longer than 1,000 characters"),
        ("id,name\na1," + "x" * 2000 + "\n", "line 2: a cell of 2,000 characters"),
    ],
)
def test_a_malformed_roster_is_an_error_naming_the_line(text: str, expected: str) -> None:
    with pytest.raises((RosterError, LimitError), match=expected):
        parse_roster(text, 7, "roster.csv")


def test_a_roster_s_students_are_all_counted(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_bytes(b'\xef\xbb\xbfid,name\na1,"Smith, Alice"\nb2,Bob\n\nc3,Carol\n')
    out = ok(run(["quiz", "--seed", "1", "--count", "1", "--students", str(roster),
                  "-o", str(tmp_path / "q")]))  # fmt: skip
    assert "for each of 3 students" in out
    with pytest.raises(RosterError):
        parse_roster('id,name\na1,"Alice\n', 7)


# -- files: -o -------------------------------------------------------------------------------


def solve_to(target: Path | str) -> Result:
    return run(["solve", "input(4) -> Linear(3)", "-o", str(target)])


def test_o_refuses_a_fifo_a_device_a_link_and_a_directory(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert "it is a FIFO, not a regular file" in one_error_line(solve_to(fifo))
    assert "it is a device, not a regular file" in one_error_line(solve_to("/dev/null"))
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    real = tmp_path / "real.txt"
    real.write_text("mine", encoding="utf-8")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    assert "it is a symbolic link" in one_error_line(solve_to(link))
    assert "it is a directory" in one_error_line(solve_to(tmp_path))
    assert real.read_text(encoding="utf-8") == "mine" and link.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fifo", "link.txt", "real.txt"]


def test_o_keeps_the_mode_and_the_hard_links(tmp_path: Path) -> None:
    target = tmp_path / "solution.txt"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o600)
    ok(solve_to(target))
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    other = tmp_path / "other-name.txt"
    os.link(target, other)
    target.chmod(0o640)
    ok(solve_to(target))
    assert other.read_text(encoding="utf-8") == target.read_text(encoding="utf-8")
    assert other.read_text(encoding="utf-8").startswith("Worked solution")
    assert target.stat().st_ino == other.stat().st_ino and target.stat().st_nlink == 2
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other-name.txt", "solution.txt"]


def test_o_dash_is_standard_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert ok(solve_to("-")).startswith("Worked solution")
    assert list(tmp_path.iterdir()) == []


def test_a_254_character_name_is_written(tmp_path: Path) -> None:
    target = tmp_path / ("s" * 250 + ".txt")
    ok(solve_to(target))
    assert target.read_text(encoding="utf-8").startswith("Worked solution")


@pytest.mark.parametrize("how", ["SIGINT", "SIGTERM"])
def test_an_interrupted_write_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    target = tmp_path / "solution.txt"
    target.write_text("old", encoding="utf-8")

    def interrupted(fd: int, mode: int) -> None:
        os.kill(os.getpid(), getattr(signal, how))

    monkeypatch.setattr(os, "fchmod", interrupted)
    with pytest.raises((KeyboardInterrupt, SystemExit)):
        files.write_file(target, b"new")
    assert [p.name for p in tmp_path.iterdir()] == ["solution.txt"]
    assert target.read_text(encoding="utf-8") == "old"
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


# -- files: quiz folders ---------------------------------------------------------------------

QUIZ = ["quiz", "--seed", "1", "--count", "2", "--kinds", "params"]


def tree(folder: Path) -> dict[str, bytes | str]:
    found: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            found[rel] = "-> " + os.readlink(path)
        elif path.is_file():
            found[rel] = path.read_bytes()
    return found


def test_a_failed_rewrite_leaves_the_old_folder_exactly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "q"
    ok(run([*QUIZ, "-o", str(target)]))
    before = tree(target)
    calls = []

    def fail_midway(self: Path, data: bytes) -> int:
        calls.append(self)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        with self.open("wb") as handle:
            return handle.write(data)

    monkeypatch.setattr(Path, "write_bytes", fail_midway)
    message = one_error_line(run([*QUIZ, "--seed", "2", "-o", str(target)]))
    assert message == f"cannot write {target}: No space left on device"
    assert tree(target) == before
    assert [p.name for p in tmp_path.iterdir()] == ["q"]


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_while_writing_leaves_the_old_folder_exactly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: signal.Signals
) -> None:
    target = tmp_path / "q"
    ok(run([*QUIZ, "-o", str(target)]))
    before = tree(target)
    calls = []

    def signalled(self: Path, data: bytes) -> int:
        calls.append(self)
        if len(calls) == 2:
            os.kill(os.getpid(), how)
        with self.open("wb") as handle:
            return handle.write(data)

    monkeypatch.setattr(Path, "write_bytes", signalled)
    with pytest.raises((KeyboardInterrupt, SystemExit)):
        files.write_tree({"quiz.md": b"new", "key.md": b"new", "x/y.md": b"new"}, target)
    assert tree(target) == before
    assert [p.name for p in tmp_path.iterdir()] == ["q"]


def test_sigterm_during_a_large_roster_leaves_the_old_folder(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("id\n" + "".join(f"s{i}\n" for i in range(3000)), encoding="utf-8")
    target = tmp_path / "q"
    ok(run([*QUIZ, "-o", str(target)]))
    before = tree(target)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [
        sys.executable,
        "-m",
        "explainer",
        *QUIZ,
        "--students",
        str(roster),
        "-o",
        str(target),
    ]
    with subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as process:
        try:
            process.communicate(timeout=4)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGTERM)
            process.communicate(timeout=60)
    assert tree(target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["q", "roster.csv"]


def test_a_folder_explainer_did_not_write_needs_force(tmp_path: Path) -> None:
    target = tmp_path / "q"
    target.mkdir()
    (target / "mine.txt").write_text("mine", encoding="utf-8")
    assert "explainer did not write" in one_error_line(run([*QUIZ, "-o", str(target)]))
    assert tree(target) == {"mine.txt": b"mine"}
    ok(run([*QUIZ, "-o", str(target), "--force"]))
    assert tree(target)["mine.txt"] == b"mine" and "quiz.md" in tree(target)
    ok(run([*QUIZ, "--seed", "5", "-o", str(target)]))  # now it is explainer's: no --force
    assert tree(target)["mine.txt"] == b"mine"


def test_a_hand_edited_key_is_not_overwritten_silently(tmp_path: Path) -> None:
    target = tmp_path / "q"
    ok(run([*QUIZ, "-o", str(target)]))
    (target / "key.md").write_text("my corrections", encoding="utf-8")
    message = one_error_line(run([*QUIZ, "-o", str(target)]))
    edited = "key.md was edited since explainer wrote it; --force overwrites it"
    assert message == f"cannot write {target}: {edited}"
    assert (target / "key.md").read_text(encoding="utf-8") == "my corrections"
    ok(run([*QUIZ, "-o", str(target), "--force"]))
    assert (target / "key.md").read_text(encoding="utf-8").startswith("# Answer key")


def test_a_symlink_inside_the_folder_is_never_followed(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("id\na1\nb2\n", encoding="utf-8")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious.txt").write_text("keep", encoding="utf-8")
    target = tmp_path / "q"
    ok(run([*QUIZ, "-o", str(target)]))
    (target / "students").symlink_to(outside)
    (target / "link-to-outside").symlink_to(outside)
    message = one_error_line(run([*QUIZ, "--students", str(roster), "-o", str(target)]))
    assert message.endswith(
        "students is not a folder, and explainer writes students/; --force replaces it"
    )
    assert (target / "students").is_symlink() and tree(outside) == {"precious.txt": b"keep"}
    ok(run([*QUIZ, "--students", str(roster), "-o", str(target), "--force"]))
    assert tree(outside) == {"precious.txt": b"keep"}
    assert (target / "students").is_dir() and not (target / "students").is_symlink()
    assert (target / "link-to-outside").is_symlink()  # the user's own link, kept as a link
    assert sorted((target / "students").iterdir()) == [
        target / "students" / "a1",
        target / "students" / "b2",
    ]


def test_a_target_that_is_a_symlink_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "q").symlink_to(real)
    assert "it is a symbolic link" in one_error_line(run([*QUIZ, "-o", str(tmp_path / "q")]))
    assert list(real.iterdir()) == []


# -- ids round-trip ----------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 7, 10**17, MAX_SEED])
def test_every_accepted_seed_round_trips(seed: int) -> None:
    data = json.loads(ok(run(["quiz", "--seed", str(seed), "--count", "1", "--format", "json"])))
    problem_id = data["problems"][0]["id"]
    assert str(problem_from_id(problem_id).id) == problem_id
    assert str(ProblemId(seed, 0, "cnn", "easy", "params")) == f"s{seed}-i0-cnn-easy-params"
