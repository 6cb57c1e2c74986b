"""The package's shape, read off its source with ast: no import cycles (function-level and
type-checking imports included), no module reaching into another's private names, and data
going one way through the stages.

The stages, from the bottom: ``deriving`` (the spec, the layer kinds, the solver: pure data
and exact arithmetic) knows no other stage; ``reading`` (text, files and the real frameworks
in) builds what deriving takes; ``rendering`` words what deriving and reading give;
``teaching`` (problems, quizzes, practice) may use all three; ``api`` and ``cli`` sit on top.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import explainer

PACKAGE = Path(explainer.__file__).resolve().parent
# A module may import only modules of its own rank or lower (the longest listed prefix of its
# name gives its rank).
STAGES = {
    # The foundation: what goes wrong, the limits every input and result keeps, where the
    # templates are. Every stage uses them; they use no stage.
    "explainer.errors": 0,
    "explainer.boundary": 0,
    "explainer.resources": 0,
    "explainer.records": 0,  # the frozen-record decorator every stage's data classes use
    "explainer.deriving": 1,
    # A generated problem is data, as a solution is: rendering words both.
    "explainer.teaching.problems": 1,
    "explainer.teaching.quizzes": 1,  # the package's own names: formats, answer layouts
    "explainer.reading": 2,
    "explainer.rendering": 3,
    "explainer.teaching.generate": 4,
    "explainer.teaching.quizzes.balance": 4,
    "explainer.teaching.quizzes.make": 4,
    "explainer.teaching.quizzes.selfstudy": 4,
    "explainer.teaching": 4,
    "explainer.api": 5,
    "explainer.cli": 5,
    "explainer.__main__": 5,
    "explainer": 5,
}


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    names: tuple[str, ...]  # the names imported from the target (empty for ``import x``)
    line: int
    implicit: bool = False  # a package's __init__ that importing the target runs first


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _target(source: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = source.split(".")
    if MODULES[source].name != "__init__.py":
        package.pop()
    base = package[: len(package) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def _edges(source: str) -> Iterator[Edge]:
    tree = ast.parse(MODULES[source].read_text(encoding="utf-8"))
    for node in ast.walk(tree):  # every import: top-level, in functions, under TYPE_CHECKING
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "explainer":
                    yield Edge(source, alias.name, (), node.lineno)
        elif isinstance(node, ast.ImportFrom):
            target = _target(source, node)
            if target.split(".")[0] != "explainer":
                continue
            for alias in node.names:
                module = f"{target}.{alias.name}"
                if module in MODULES:  # ``from . import conv``: the module itself
                    yield Edge(source, module, (), node.lineno)
                else:
                    yield Edge(source, target, (alias.name,), node.lineno)


def _with_packages(edges: Iterator[Edge]) -> Iterator[Edge]:
    """Importing ``a.b.c`` runs ``a/b/__init__.py`` first: an edge to each package on the way
    (not to ``explainer`` itself, the public front that every import runs first, nor to the
    packages the importing module is already inside)."""
    for edge in edges:
        yield edge
        parts = edge.target.split(".")
        for end in range(2, len(parts)):
            package = ".".join(parts[:end])
            if not edge.source.startswith(package + "."):
                yield Edge(edge.source, package, (), edge.line, implicit=True)


EDGES = [edge for source in MODULES for edge in _with_packages(_edges(source))]


def _stage(module: str) -> int:
    while module not in STAGES:
        module = module.rpartition(".")[0]
    return STAGES[module]


def test_the_graph_is_read() -> None:
    """The walk sees the imports it judges (so the tests below cannot pass on an empty graph)."""
    assert {"explainer.deriving.solve", "explainer.rendering.render", "explainer.cli"} <= set(
        MODULES
    )
    pairs = {(edge.source, edge.target) for edge in EDGES}
    assert ("explainer.deriving.solve", "explainer.deriving.solution") in pairs
    assert ("explainer.rendering.render", "explainer.deriving.solution") in pairs
    assert all(edge.target in MODULES for edge in EDGES), [
        edge for edge in EDGES if edge.target not in MODULES
    ]


def test_no_import_cycles() -> None:
    graph: dict[str, set[str]] = {module: set() for module in MODULES}
    for edge in EDGES:
        if edge.target != edge.source:
            graph[edge.source].add(edge.target)
    # Depth-first search; a grey node met again closes a cycle.
    colour = dict.fromkeys(graph, "white")
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        colour[node] = "grey"
        for nxt in sorted(graph[node]):
            if colour[nxt] == "grey":
                cycles.append([*path[path.index(nxt) :], nxt])
            elif colour[nxt] == "white":
                visit(nxt, [*path, nxt])
        colour[node] = "black"

    for node in sorted(graph):
        if colour[node] == "white":
            visit(node, [node])
    assert not cycles, "\n".join(" -> ".join(cycle) for cycle in cycles)


def test_no_private_names_of_another_module() -> None:
    """``from .render import _environment`` reaches into another module's insides."""
    found = [
        f"{edge.source} line {edge.line} imports {name} from {edge.target}"
        for edge in EDGES
        for name in edge.names
        if name.startswith("_")
    ]
    assert not found, "\n".join(found)


def test_no_private_attributes_of_imported_modules() -> None:
    """``conv._ConvNd`` after ``from . import conv``: the same reach, by attribute."""
    found = []
    for source, path in MODULES.items():
        modules = {
            edge.target.rpartition(".")[2]
            for edge in EDGES
            if edge.source == source and not edge.names
        }
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in modules
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                found.append(f"{source} line {node.lineno}: {node.value.id}.{node.attr}")
    assert not found, found


def test_data_goes_one_way_through_the_stages() -> None:
    backwards = sorted(
        {
            f"{edge.source} (line {edge.line}) imports {edge.target}"
            for edge in EDGES
            if not edge.implicit and _stage(edge.target) > _stage(edge.source)
        }
    )
    assert not backwards, "\n".join(backwards)
