"""`explainer practice` under a real terminal: a pseudo-terminal that pexpect reads and types
into. The typed answer is echoed by the terminal only, hints and feedback arrive as typed, and
Ctrl-C, Ctrl-D and q each end the session with the summary and exit code 0.

The command is started with subprocess (no fork of this process: an earlier test may have
loaded JAX, whose fork handler warns, and warnings are errors here) through a two-line
launcher that makes the pseudo-terminal its controlling terminal, so that Ctrl-C typed into it
interrupts the command as it does in a shell.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

if sys.platform == "win32":  # no pseudo-terminals
    pytest.skip("needs a POSIX pseudo-terminal", allow_module_level=True)
fdpexpect = pytest.importorskip("pexpect.fdpexpect")

ROOT = Path(__file__).resolve().parent.parent
SUMMARY_END = "Work a problem out again: explainer solve --problem ID"
CTRL_C, CTRL_D = "\x03", "\x04"
LAUNCH = (
    "import fcntl, os, sys, termios\n"
    "os.setsid()\n"
    "fcntl.ioctl(0, termios.TIOCSCTTY, 0)\n"
    "os.execv(sys.executable, [sys.executable, '-m', 'explainer', *sys.argv[1:]])\n"
)


class Terminal:
    def __init__(self, *args: str) -> None:
        master, slave = os.openpty()
        self.process = subprocess.Popen(
            [sys.executable, "-c", LAUNCH, "practice", *args],
            stdin=slave, stdout=slave, stderr=slave, cwd=ROOT,  # cwd: python -m finds this checkout
        )  # fmt: skip
        os.close(slave)
        self.child: Any = fdpexpect.fdspawn(master, encoding="utf-8", timeout=60)

    def expect(self, text: str) -> str:
        """Wait for ``text``; return what came before it."""
        self.child.expect_exact(text)
        return str(self.child.before)

    def type(self, text: str) -> None:
        self.child.send(text)

    def finish(self) -> None:
        self.expect(SUMMARY_END)
        assert self.process.wait(timeout=60) == 0

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.child.close()


@pytest.fixture
def terminal() -> Iterator[Any]:
    opened: list[Terminal] = []

    def start(*args: str) -> Terminal:
        opened.append(Terminal(*args))
        opened[-1].expect("Answer: ")
        return opened[-1]

    yield start
    for each in opened:
        each.close()


def test_wrong_hint_right_then_ctrl_c(terminal: Any) -> None:
    term = terminal("--seed", "3", "--count", "3")
    term.type("288\n")
    echoed = term.expect("Not right.")
    assert echoed.count("288") == 1  # the terminal's echo; the command adds none
    term.expect("Likely mistake: the bias of each filter forgotten.")
    term.expect("Answer: ")
    term.type("h\n")
    term.expect("Hint 1 of 3: Layer 1, Conv2d(1, 32, kernel_size=3, padding=1): parameters")
    term.expect("Answer: ")
    term.type("320\n")
    term.expect("Right: 320.")
    term.expect("Problem 2 of 3")
    term.expect("Answer: ")
    term.type(CTRL_C)  # while the command waits for a line
    term.expect("Score: 1 of 2 right, 0 at the first try; 1 hint, 0 solutions shown.")
    term.finish()


def test_solution_then_ctrl_d(terminal: Any) -> None:
    term = terminal("--seed", "3", "--count", "2")
    term.type("s\n")
    term.expect("The solution:")
    term.expect("Answer: 320.")
    term.expect("Answer: ")
    term.type(CTRL_D)  # on an empty line: the end of input
    term.expect("Score: 0 of 2 right")
    term.finish()


def test_quit(terminal: Any) -> None:
    term = terminal("--seed", "3", "--count", "2")
    term.type("q\n")
    term.expect("Score: 0 of 1 right")
    term.finish()
