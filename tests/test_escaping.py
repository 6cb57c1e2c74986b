"""No element, attribute or link in an output comes from input (issue 11).

Each format is rendered by a real renderer: pandoc for Markdown (GitHub's dialect and
pandoc's own), Python's HTML parser for HTML, ElementTree for Moodle XML and QTI (and the
HTML those carry), and GIFT's own escaping rules. The hostile texts travel where a user's text
can: a comment inside a call, a Keras ``name=``, a print-out attribute name, a roster name.
The elements and attributes found are compared with those of the same document made from
harmless text: the hostile one may hold no element, attribute or link the harmless one lacks.
"""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import tool

from explainer.api import explain
from explainer.cli import main

HOSTILE = (
    "<img src=x onerror=alert(1)> [x](javascript:alert(2)) ![i](http://evil.example/i.png) "
    "`code` ``two`` https://evil.example/a www.evil.example <script>alert(3)</script> "
    "&lt;b&gt; [s]{onclick=alert(4)} <a href='http://evil.example'>y</a> \\( $x$ *e* _u_"
)
# Where a spec carries free text: a comment inside a call (and one after it), a Keras name.
SPECS = {
    "pytorch": "input(4) -> Linear(3, # {text}\n) -> ReLU  # {text}",
    "keras": "input(4) -> Dense(3, name={name!r}) -> Dense(2)",
}
EVIL = ("onerror", "onclick", "javascript", "evil.example", "alert")


class Elements(HTMLParser):
    """Every element, attribute and link target of an HTML text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attributes: set[tuple[str, str]] = set()
        self.links: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            self.attributes.add((tag, name))
            if name in ("href", "src", "xlink:href", "action", "formaction"):
                self.links.add(value or "")


def elements(html: str) -> Elements:
    parser = Elements()
    parser.feed(html)
    parser.close()
    return parser


def assert_nothing_injected(hostile_html: str, harmless_html: str) -> None:
    hostile, harmless = elements(hostile_html), elements(harmless_html)
    # pandoc sets column widths (colgroup, col) for a table whose cells are long, as the
    # Keras summary's "name (Type)" cell is with a long name: layout, nothing injected.
    layout = {"colgroup", "col"}
    assert hostile.tags <= harmless.tags | layout, hostile.tags - harmless.tags
    widths = {("col", "style")}  # the width of each column, set by pandoc
    assert hostile.attributes <= harmless.attributes | widths, (
        hostile.attributes - harmless.attributes
    )
    assert hostile.links <= harmless.links, hostile.links - harmless.links
    for attribute_or_link in [*hostile.links, *(name for _, name in hostile.attributes)]:
        assert not any(word in attribute_or_link for word in EVIL), attribute_or_link


def spec(framework: str, text: str) -> str:
    return SPECS[framework].format(text=text, name=" ".join(text.split()))


def pandoc(markdown: str, dialect: str) -> str:
    path = tool("pandoc", "apt-get install pandoc")
    done = subprocess.run(
        [path, "-f", dialect, "-t", "html"],
        input=markdown, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return done.stdout


@pytest.mark.parametrize("dialect", ["gfm", "commonmark", "markdown"])
@pytest.mark.parametrize("framework", ["pytorch", "keras"])
def test_markdown_through_pandoc(framework: str, dialect: str) -> None:
    hostile = explain(spec(framework, HOSTILE), fmt="markdown", framework=framework)
    harmless = explain(spec(framework, "harmless"), fmt="markdown", framework=framework)
    assert "onerror" in hostile  # the text is there, as text
    assert_nothing_injected(pandoc(hostile, dialect), pandoc(harmless, dialect))


@pytest.mark.parametrize("framework", ["pytorch", "keras"])
def test_html_through_a_parser(framework: str) -> None:
    hostile = explain(spec(framework, HOSTILE), fmt="html", framework=framework)
    harmless = explain(spec(framework, "harmless"), fmt="html", framework=framework)
    assert "onerror" in hostile
    assert_nothing_injected(hostile, harmless)


def test_a_printout_name_through_both() -> None:
    """A print-out's names are letters, digits, _ and dots by its grammar: no emphasis."""
    printout = "Net(\n  (_a_b.c_): Linear(in_features=4, out_features=3, bias=True)\n)"
    harmless = "Net(\n  (abc): Linear(in_features=4, out_features=3, bias=True)\n)"
    for fmt in ("markdown", "html"):
        first = explain(printout, input_shape="4", fmt=fmt)
        second = explain(harmless, input_shape="4", fmt=fmt)
        if fmt == "markdown":
            first, second = pandoc(first, "gfm"), pandoc(second, "gfm")
        assert_nothing_injected(first, second)


# -- quizzes with a roster: Markdown, HTML, Moodle XML, QTI, GIFT -------------------------------


def quiz(tmp_path: Path, fmt: str, name: str) -> dict[str, str]:
    roster = tmp_path / f"roster-{fmt}-{len(name)}.csv"
    quoted = '"' + name.replace('"', '""') + '"'
    roster.write_text(f"id,name\na1,{quoted}\n", encoding="utf-8")
    target = tmp_path / f"quiz-{fmt}-{len(name)}"
    args = ["quiz", "--seed", "3", "--count", "2", "--format", fmt, "--students", str(roster)]
    result = CliRunner().invoke(main, [*args, "-o", str(target)], prog_name="explainer")
    assert result.exit_code == 0, result.stderr
    return {
        path.relative_to(target).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(target.rglob("*"))
        if path.is_file() and path.suffix in (".md", ".html", ".xml", ".gift")
    }


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_roster_names_in_sheets_and_keys(tmp_path: Path, fmt: str) -> None:
    hostile, harmless = quiz(tmp_path, fmt, HOSTILE), quiz(tmp_path, fmt, "Harmless Name")
    assert hostile.keys() == harmless.keys()
    assert any("onerror" in text for text in hostile.values())
    for name in hostile:
        first, second = hostile[name], harmless[name]
        if fmt == "markdown":
            first, second = pandoc(first, "gfm"), pandoc(second, "gfm")
        assert_nothing_injected(first, second)


def xml_fragments(text: str) -> tuple[set[str], list[str]]:
    """The XML's element names, and every HTML fragment it carries in a text node."""
    root = ET.fromstring(text)
    tags = {re.sub(r"\{.*\}", "", element.tag) for element in root.iter()}
    fragments = [element.text for element in root.iter() if element.text and "<" in element.text]
    return tags, fragments


@pytest.mark.parametrize(("fmt", "suffix"), [("moodle", ".xml"), ("qti", ".xml")])
def test_lms_files_through_their_parsers(tmp_path: Path, fmt: str, suffix: str) -> None:
    hostile, harmless = quiz(tmp_path, fmt, HOSTILE), quiz(tmp_path, fmt, "Harmless Name")
    for name in hostile:
        if not name.endswith(suffix):
            continue
        hostile_tags, hostile_html = xml_fragments(hostile[name])
        harmless_tags, harmless_html = xml_fragments(harmless[name])
        assert hostile_tags <= harmless_tags
        assert_nothing_injected("".join(hostile_html), "".join(harmless_html))


def test_gift_keeps_its_special_characters_escaped(tmp_path: Path) -> None:
    for text in quiz(tmp_path, "gift", HOSTILE).values():
        for line in text.splitlines():
            if line.startswith("//") or not line.strip():
                continue
            # Outside an answer block, GIFT's special characters are escaped with a backslash.
            body = re.sub(r"\{[^{}]*\}\s*$", "", line)
            assert not re.search(r"(?<!\\)[~=#{}]", re.sub(r"::[^:]*::", "", body)), line
