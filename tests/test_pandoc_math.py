"""Numbers in Markdown math read as the handout writes them (262,400 or 2,62,400) once pandoc
turns the math into MathML (what Jupyter's and GitHub's MathJax read the same way): a
grouping comma is never followed by a space. Needs pandoc (skips without, unless CI is set).
"""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET

import pytest

from explainer.api import render_solution, solve_example

MATHML = "{http://www.w3.org/1998/Math/MathML}"


def shown(math: ET.Element) -> str:
    """What a reader sees of one formula: its tokens in order, a comma's thin space shown as a
    space unless a negative space right after it takes it back."""
    tokens = [
        e
        for e in math.iter()
        if e.tag in {MATHML + t for t in ("mn", "mo", "mi", "mspace", "mtext")}
    ]
    out = []
    for position, element in enumerate(tokens):
        if element.tag == MATHML + "mspace":
            continue
        text = element.text or ""
        out.append(text)
        following = tokens[position + 1] if position + 1 < len(tokens) else None
        taken_back = (
            following is not None
            and following.tag == MATHML + "mspace"
            and following.get("width", "").startswith("-")
        )
        if element.tag == MATHML + "mo" and text == "," and not taken_back:
            out.append(" ")
    return "".join(out)


def formulas(pandoc: str, markdown: str) -> list[str]:
    html = subprocess.run(
        [pandoc, "-f", "markdown", "-t", "html", "--mathml"],
        input=markdown.encode(), capture_output=True, check=True, timeout=120,
    ).stdout.decode()  # fmt: skip
    found = re.findall(r"<math\b.*?</math>", html, re.DOTALL)
    assert found, "pandoc wrote no MathML"
    return [shown(ET.fromstring(math)) for math in found]


@pytest.mark.parametrize(("digits", "count"), [("western", "262,400"), ("indian", "2,62,400")])
def test_grouped_counts_read_without_a_space(pandoc: str, digits: str, count: str) -> None:
    markdown = render_solution(solve_example("handout-mlp"), "markdown", digits)
    read = formulas(pandoc, markdown)
    assert any(count in formula for formula in read), read
    assert not any(re.search(r"\d, \d", formula) for formula in read), read
