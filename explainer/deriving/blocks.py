"""The containers of a print-out, counted: each block's parameters are the sum of its children's,
and a printed repeat (``(0-11): 12 x GPT2Block(``) is one copy multiplied out.

A node belongs to the block whose path is the longest prefix of its module path
(``h.0-11.attn.c_attn`` is in ``h.0-11.attn``). A module called several times by the forward is
counted at its first call only (the solver gives the later calls 0), so sums never count it twice.
"""

from __future__ import annotations

from dataclasses import replace

from .formula import sum_formula
from .solution import BlockResult, LayerResult
from .spec import Block
from .steps import Step, derive


def parent_of(path: str, paths: frozenset[str]) -> str:
    """The nearest enclosing block path ("" for none): module names never hold a dot, and
    Keras's layer names never a slash (a nested Keras model's layers are ``block/dense``)."""
    head = path
    while "." in head or "/" in head:
        head = head[: max(head.rfind("."), head.rfind("/"))]
        if head in paths:
            return head
    return ""


def solve_blocks(blocks: tuple[Block, ...], results: list[LayerResult]) -> tuple[BlockResult, ...]:
    """Every block counted, innermost first (each derivation uses only those before it),
    siblings in the order printed; block ``b_n`` is the n-th of them."""
    paths = frozenset(block.path for block in blocks)
    ordered = _post_order(blocks, paths)
    numbers = {block.path: number for number, block in enumerate(ordered, 1)}
    done: dict[str, BlockResult] = {}
    for block in ordered:
        terms = _terms(block.path, paths, results, done, numbers)
        done[block.path] = _block(numbers[block.path], block, parent_of(block.path, paths), terms)
    return tuple(done[block.path] for block in ordered)


def _post_order(blocks: tuple[Block, ...], paths: frozenset[str]) -> list[Block]:
    children: dict[str, list[Block]] = {}
    for block in blocks:
        children.setdefault(parent_of(block.path, paths), []).append(block)
    found: list[Block] = []

    def visit(path: str) -> None:
        for child in children.get(path, []):
            visit(child.path)
            found.append(child)

    visit("")
    return found


Terms = dict[str, tuple[int, str]]  # symbol -> (count, meaning)


def _terms(
    path: str,
    paths: frozenset[str],
    results: list[LayerResult],
    done: dict[str, BlockResult],
    numbers: dict[str, int],
) -> Terms:
    """The weighted children of ``path`` ("" for the model): layers and blocks, as sum terms."""
    terms: Terms = {}
    for result in results:
        name = result.spec.name or ""
        if result.params and parent_of(name, paths) == path and (name not in paths):
            meaning = f"parameters of layer {result.index}, {name}"
            terms[f"p_{result.index}"] = (result.params, meaning)
    for child in done.values():
        if child.parent == path and child.params:
            meaning = f"parameters of {child.path} ({child.type})"
            terms[f"b_{numbers[child.path]}"] = (child.params, meaning)
    return terms


def _block(number: int, block: Block, parent: str, terms: Terms) -> BlockResult:
    depth = block.path.count(".") + block.path.count("/") + 1
    one = _sum(f"parameters of one {block.type}" if block.times > 1 else "parameters", terms)
    steps = [one]
    if block.times > 1:
        steps.append(
            derive(
                "parameters",
                "n*b",
                {"n": block.times, "b": one.value},
                {"n": "identical copies printed", "b": f"parameters of one {block.type}"},
                f"the print-out repeats the block {block.times} times; each copy has its own "
                "weights",
                counts=True,
            )
        )
    return BlockResult(number, block, depth, parent, tuple(steps))


def _sum(quantity: str, terms: Terms) -> Step:
    values = {symbol: count for symbol, (count, _) in terms.items()}
    meanings = {symbol: meaning for symbol, (_, meaning) in terms.items()}
    why = (
        "the sum over its parts that have weights; the others add 0"
        if terms
        else "no part has weights"
    )
    return derive(quantity, sum_formula(tuple(values)), values, meanings, why, counts=True)


def block_total(results: list[LayerResult], blocks: tuple[BlockResult, ...]) -> Step:
    """The model's total: its own layers and its outermost blocks."""
    paths = frozenset(block.path for block in blocks)
    numbers = {block.path: block.number for block in blocks}
    done = {block.path: block for block in blocks}
    terms = _terms("", paths, results, done, numbers)
    step = _sum("total parameters", terms)
    why = "the total is the sum over the model's own layers and outermost blocks that have weights"
    return replace(step, why=why if terms else step.why)


def with_copies(results: list[LayerResult], blocks: tuple[BlockResult, ...]) -> list[LayerResult]:
    """Each layer with the number of copies the model holds: the product of the repeats
    around it (a layer of one of 12 printed GPT2Blocks is there 12 times)."""
    times = {block.path: block.block.times for block in blocks}
    paths = frozenset(times)
    found = []
    for result in results:
        copies, path = 1, parent_of(result.spec.name or "", paths)
        while path:
            copies *= times[path]
            path = parent_of(path, paths)
        found.append(result if copies == 1 else replace(result, copies=copies))
    return found
