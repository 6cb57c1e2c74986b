"""The LaTeX output compiles with pdflatex (texlive-latex-base alone), user names included."""

from __future__ import annotations

import dataclasses
import re
import subprocess
from pathlib import Path

import pytest

from explainer.api import explain, solve_example
from explainer.rendering.render import environment, render

# Wider than this and a line visibly runs into the margin.
MILD_OVERFULL_PT = 20.0
SPECIALS = "my_layer&x%#$ {a}^~\\ <b>|"


def compile_latex(pdflatex: str, source: str, folder: Path) -> str:
    """Compile ``source`` in ``folder`` and return the log; fail with its errors if it breaks."""
    (folder / "solution.tex").write_text(source, encoding="utf-8")
    result = subprocess.run(
        [
            pdflatex,
            "-interaction=nonstopmode",
            "-halt-on-error",
            "-no-shell-escape",
            "solution.tex",
        ],
        cwd=folder,
        capture_output=True,
        timeout=120,
        check=False,
    )
    log = (folder / "solution.log").read_text(encoding="latin-1")
    errors = "\n".join(line for line in log.splitlines() if line.startswith("!"))
    assert result.returncode == 0, f"pdflatex exited {result.returncode}:\n{errors or log[-2000:]}"
    assert (folder / "solution.pdf").stat().st_size > 0
    return log


def overfull(log: str) -> list[float]:
    return [float(width) for width in re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide\)", log)]


@pytest.mark.slow
@pytest.mark.parametrize("digits", ["western", "indian"])
@pytest.mark.parametrize("example", ["handout-cnn", "handout-mlp"])
def test_handout_examples_compile(pdflatex: str, tmp_path: Path, example: str, digits: str) -> None:
    log = compile_latex(
        pdflatex, explain("", fmt="latex", digits=digits, example=example), tmp_path
    )
    assert max(overfull(log), default=0.0) < MILD_OVERFULL_PT, "a line runs into the margin"


def test_tex_filter_escapes_every_special_character() -> None:
    tex = environment("latex", "western").filters["tex"]
    assert tex("cnn_layer_1") == r"cnn\_layer\_1"
    assert tex("my_layer&x%#$") == r"my\_layer\&x\%\#\$"
    assert tex("{a}^~\\") == r"\{a\}\textasciicircum{}\textasciitilde{}\textbackslash{}"


def test_a_printout_name_with_underscores_compiles(pdflatex: str, tmp_path: Path) -> None:
    source = explain("Net(\n  (my_layer_x): Linear(4, 2)\n)", input_shape="4", fmt="latex")
    assert r"(my\_layer\_x): Linear(4, 2)" in source
    compile_latex(pdflatex, source, tmp_path)


def test_every_special_character_in_user_text_survives(pdflatex: str, tmp_path: Path) -> None:
    """The print-out parser only takes identifiers as names; the renderer must not rely on it."""
    solution = solve_example("handout-mlp")
    first = solution.layers[0]
    spec = dataclasses.replace(first.spec, text=SPECIALS, name=SPECIALS)
    layers = (dataclasses.replace(first, name=SPECIALS, spec=spec), *solution.layers[1:])
    source = render(dataclasses.replace(solution, layers=layers), "latex")
    assert r"my\_layer\&x\%\#\$ \{a\}\textasciicircum{}\textasciitilde{}\textbackslash{}" in source
    compile_latex(pdflatex, source, tmp_path)
