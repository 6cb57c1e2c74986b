"""tests/ is a folder on sys.path, not a package: on a clean clone `from tests.x import`
fails at collection (it passed only where an editable install put the repository root on the
path). Test modules import each other by their own names."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).parent


def test_no_test_module_imports_through_a_tests_package() -> None:
    found = []
    for path in sorted(TESTS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            found += [f"{path.name}:{node.lineno}" for n in names if n.split(".")[0] == "tests"]
    assert not found, f"import through a 'tests' package (absent on a clean clone): {found}"
