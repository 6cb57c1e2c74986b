"""What keeps a cold start short, checked as structure (never as a timing: see
benchmarks/bench_cold.py): a kind with no field of its own is not decorated again, and still
behaves as a dataclass of its own; the command ends without tearing the interpreter down, and
still exits as a normal exit would."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from explainer.cli import main
from explainer.deriving.layers import KERAS_KINDS, KINDS, LIVE_KINDS, Layer
from explainer.deriving.spec import OPEN, OpenSize, SizeName

ROOT = Path(__file__).resolve().parent.parent


def _kinds() -> list[type[Layer]]:
    return [*KINDS.values(), *KERAS_KINDS.values(), *LIVE_KINDS.values()]


def _own_fields(cls: type) -> list[str]:
    notes = vars(cls).get("__annotations__", {})
    return [name for name, note in notes.items() if "ClassVar" not in str(note)]


@pytest.mark.parametrize("kind", _kinds(), ids=lambda kind: f"{kind.__module__}.{kind.__name__}")
def test_a_kind_without_fields_of_its_own_is_not_decorated_again(kind: type[Layer]) -> None:
    assert dataclasses.is_dataclass(kind)
    for cls in kind.__mro__:
        if cls is not Layer and issubclass(cls, Layer) and not _own_fields(cls):
            # decorating again would generate the very same methods, at start-up cost
            assert "__dataclass_fields__" not in vars(cls), cls


def test_an_undecorated_kind_names_itself_and_compares_as_its_own_class() -> None:
    conv2d, conv1d = KINDS["Conv2d"], KINDS["Conv1d"]
    assert "__dataclass_fields__" not in vars(conv2d)  # the case this test is about
    layer = conv2d(1, 16, 5)
    assert repr(layer).startswith("Conv2d(in_channels=1, out_channels=16, kernel_size=5, ")
    assert layer == conv2d(1, 16, 5)
    assert hash(layer) == hash(conv2d(1, 16, 5))
    assert layer != conv1d(1, 16, 5)  # same fields, another class
    assert layer != conv2d(1, 8, 5)
    assert type(dataclasses.replace(layer, out_channels=8)) is conv2d
    assert [f.name for f in dataclasses.fields(layer)] == list(conv2d.arg_names())
    sigmoid, tanh = KINDS["Sigmoid"], KINDS["Tanh"]
    assert (repr(sigmoid()), repr(tanh())) == ("Sigmoid()", "Tanh()")
    assert sigmoid() == sigmoid()
    assert sigmoid() != tanh()
    with pytest.raises(dataclasses.FrozenInstanceError):
        layer.out_channels = 8  # type: ignore[misc]


def test_an_open_size_is_a_size_name_of_its_own_class() -> None:
    assert "__dataclass_fields__" not in vars(OpenSize)
    name = OPEN + "1"
    assert OpenSize(name) == OpenSize(name)
    assert hash(OpenSize(name)) == hash(OpenSize(name))
    assert OpenSize(name) != SizeName(name)  # an open size is never a size the user named
    assert repr(OpenSize(name)) == "None"
    assert [f.name for f in dataclasses.fields(OpenSize)] == ["name"]


# The command as installed: `explainer.cli:run`, which ends the process without tearing the
# interpreter down. What a normal exit shows a user must survive: the exit code, the exit
# handlers, every byte of the output through a pipe.
_LAST = "a handler's line, flushed by nobody else"
_RUN = f"""
import atexit, sys
LAST = {_LAST!r}
from pathlib import Path
marker = Path(sys.argv.pop(1))
atexit.register(marker.write_text, "ran")
atexit.register(print, LAST)
from explainer.cli import run
run()
"""


def _run_command(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[bytes], str]:
    marker = tmp_path / "atexit-marker"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # buffered, as a user's
    env["PYTHONPATH"] = str(ROOT)
    command = [sys.executable, "-c", _RUN, str(marker), *args]
    done = subprocess.run(command, capture_output=True, env=env, timeout=120, check=False)
    return done, marker.read_text() if marker.exists() else "not run"


def test_the_command_exits_with_its_code_its_handlers_run_and_its_output_whole(
    tmp_path: Path,
) -> None:
    spec = tmp_path / "long.txt"  # far more than a pipe holds (64 KiB): every byte must arrive
    spec.write_text("input(4) -> " + " -> ".join(["Linear(4)"] * 400))
    done, handlers = _run_command(tmp_path, "solve", str(spec))
    expected = CliRunner().invoke(main, ["solve", str(spec)])
    assert (done.returncode, handlers, done.stderr) == (0, "ran", b"")
    assert len(done.stdout) > 65_536
    assert done.stdout.decode("utf-8") == expected.output + _LAST + "\n"

    done, handlers = _run_command(tmp_path, "solve", "input(4) -> Linaer(3)")
    assert (done.returncode, handlers, done.stdout) == (2, "ran", (_LAST + "\n").encode())
    assert done.stderr.decode("utf-8").startswith("explainer: error: ")

    done, handlers = _run_command(tmp_path, "solve", "--no-such-option")
    assert (done.returncode, handlers) == (2, "ran")


def test_the_module_and_the_console_script_both_start_the_quick_exit() -> None:
    assert (ROOT / "explainer" / "__main__.py").read_text() == "from .cli import run\n\nrun()\n"
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["scripts"] == {"explainer": "explainer.cli:run"}
