"""LaTeX quizzes as exams: every student name compiles (a roster of 40 in Vietnamese, Cyrillic,
Chinese, Japanese, Korean, Icelandic... with LuaLaTeX, chosen by the folder's latexmkrc), arrow
chains wrap, the sheet has a name and ID line, points, a box for the working, every problem in
one unbreakable minipage, and "Page X of Y" after the documented build (latexmk).

The compiling tests need latexmk, lualatex, pdflatex, pdftotext and the fonts that .ci/run
installs (fonts-noto-cjk, fonts-dejavu-core); they skip without them, unless CI is set.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import tool

from explainer.cli import main
from explainer.rendering.render import tex_chain, tex_unicode

NAMES = [
    "Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Cường", "Phạm Minh Đức", "Ngô Bảo Châu",
    "Đặng Thái Sơn", "Иван Петров", "Мария Смирнова", "Алексей Кузнецов", "Ольга Іванова",
    "王伟", "李娜", "张敏", "刘洋", "佐藤 花子", "김민준", "이서연", "박지훈", "최유진",
    "Sigurður Jónsson", "Guðrún Þórsdóttir", "Björk Guðmundsdóttir", "Ðorđe Petrović",
    "Zoë Müller", "José Álvarez", "Chloé Dubois", "Søren Kierkegaard", "Łukasz Wiśniewski",
    "François Lefèvre", "João Gonçalves", "Ömer Yılmaz", "Ana María López", "Emma O'Brien",
    'Nadia "Em" Ali', "Priya Sharma", "Ahmed Hassan", "Liam Smith", "Yuki Tanaka",
    "R&D_Team #1 {x}", "Anne-Marie 100%",
]  # fmt: skip
TOOLS = ("latexmk", "lualatex", "pdflatex", "pdftotext")


def roster(names: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "name"])
    writer.writerows((f"s{i:02d}", name) for i, name in enumerate(names, 1))
    return out.getvalue()


def quiz(folder: Path, *args: str) -> None:
    result = CliRunner().invoke(main, ["quiz", "--format", "latex", "-o", str(folder), *args])
    assert (result.exit_code, result.stderr) == (0, ""), result.stderr


@pytest.fixture(scope="module")
def tools() -> dict[str, str]:
    install = "apt-get install texlive-luatex latexmk poppler-utils"
    return {name: tool(name, install) for name in TOOLS}


def latexmk(tools: dict[str, str], path: Path) -> str:
    """The documented build: ``latexmk`` in the folder (its latexmkrc picks the engine)."""
    done = subprocess.run(
        [tools["latexmk"], "-interaction=nonstopmode", "-halt-on-error", path.name],
        cwd=path.parent, capture_output=True, timeout=600, check=False,
    )  # fmt: skip
    log = path.with_suffix(".log").read_text(encoding="utf-8", errors="replace")
    errors = "\n".join(line for line in log.splitlines() if line.startswith("!"))
    assert done.returncode == 0, f"{path}: latexmk exited {done.returncode}:\n{errors}"
    assert "Missing character" not in log, f"{path}: a glyph is missing from every font"
    return log


def text_of(tools: dict[str, str], pdf: Path) -> str:
    """The PDF's text, its spaces collapsed, NFKC-normalised (a CJK font may map 李 to its
    compatibility twin U+F9E1 in the text layer)."""
    done = subprocess.run([tools["pdftotext"], str(pdf), "-"], capture_output=True, check=True)
    return " ".join(unicodedata.normalize("NFKC", done.stdout.decode("utf-8")).split())


def plain(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).split())


# -- without TeX --------------------------------------------------------------------------------


def test_unicode_names_keep_their_letters_and_quotes_and_escape_tex() -> None:
    assert tex_unicode('Emma O\'Brien "Em"') == (
        "Emma O\\textquotesingle{}Brien \\textquotedbl{}Em\\textquotedbl{}"
    )
    assert tex_unicode("Nguyễn_Văn {An} 王伟 & ð\n%") == "Nguyễn\\_Văn \\{An\\} 王伟 \\& ð \\%"


def test_arrow_chains_may_break_after_each_arrow() -> None:
    chain = tex_chain("input(300)→FCwB(250)→sigmoid")
    assert chain.count(r"$\rightarrow$\allowbreak{}") == 2
    assert tex_chain("a -> b, c").count(r"\allowbreak{}") == 2


def test_the_folder_says_which_engine(tmp_path: Path) -> None:
    csv_path = tmp_path / "roster.csv"
    csv_path.write_text(roster(["Alice Liddell", "Nguyễn Văn An"]), encoding="utf-8")
    quiz(tmp_path / "q", "--seed", "1", "--count", "1", "--students", str(csv_path))
    assert "$pdf_mode = 4;" in (tmp_path / "q" / "latexmkrc").read_text()  # the grader's key
    assert "$pdf_mode = 1;" in (tmp_path / "q/students/s01/latexmkrc").read_text()  # ASCII
    assert "$pdf_mode = 4;" in (tmp_path / "q/students/s02/latexmkrc").read_text()
    unicode_sheet = (tmp_path / "q/students/s02/quiz.tex").read_text(encoding="utf-8")
    assert "\\usepackage{fontspec}" in unicode_sheet and "Nguyễn Văn An" in unicode_sheet
    ascii_sheet = (tmp_path / "q/students/s01/quiz.tex").read_text(encoding="utf-8")
    assert "\\usepackage[utf8]{inputenc}" in ascii_sheet and "fontspec" not in ascii_sheet


def test_the_sheet_is_an_exam(tmp_path: Path) -> None:
    quiz(tmp_path / "q", "--seed", "7", "--count", "6", "--points", "5")
    sheet = (tmp_path / "q" / "quiz.tex").read_text(encoding="utf-8")
    assert "Name: \\hrulefill" in sheet and "ID: \\hrulefill" in sheet
    assert sheet.count("\\question[5]") == 6 and "\\addpoints" in sheet
    assert sheet.count("\\begin{minipage}[t]{\\linewidth}") == 6  # no problem split
    assert sheet.count("\\makeemptybox") == 5  # every problem but the table
    assert "Page \\thepage\\ of \\numpages" in sheet
    key = (tmp_path / "q" / "key.tex").read_text(encoding="utf-8")
    assert "\\makeemptybox" not in key and "\\printanswers" in key


# -- compiled -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_roster_of_40_names_compiles(tools: dict[str, str], tmp_path: Path) -> None:
    """Every student's sheet and the grader's key, built as the README says."""
    csv_path = tmp_path / "roster.csv"
    csv_path.write_text(roster(NAMES), encoding="utf-8")
    folder = tmp_path / "q"
    quiz(folder, "--seed", "4", "--count", "1", "--kinds", "shape", "--students", str(csv_path))
    sheets = sorted(folder.glob("students/*/quiz.tex"))
    assert len(sheets) == 40
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda path: latexmk(tools, path), [*sheets, folder / "key.tex"]))
    for number, (sheet, name) in enumerate(zip(sheets, NAMES, strict=True), 1):
        assert sheet.parent.name == f"s{number:02d}"
        shown = text_of(tools, sheet.with_suffix(".pdf"))
        assert plain(name) in shown, (name, shown[:300])
        assert re.search(r"Page 1 of 1\b", shown), shown[-200:]
    grader = text_of(tools, folder / "key.pdf")
    for name in NAMES:
        assert plain(name) in grader, name


def test_course_chains_wrap_on_a_hard_quiz(tools: dict[str, str], tmp_path: Path) -> None:
    folder = tmp_path / "q"
    quiz(folder, "--seed", "3", "--count", "6", "--topic", "course", "--difficulty", "hard")
    for name in ("quiz.tex", "key.tex"):
        log = latexmk(tools, folder / name)
        widths = [float(w) for w in re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide\)", log)]
        assert max(widths, default=0.0) < 20.0, (name, widths)
    shown = text_of(tools, folder / "quiz.pdf")
    total = re.search(r"Page 1 of (\d+)", shown)
    assert total is not None and int(total[1]) >= 1
