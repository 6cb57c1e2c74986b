"""Plan -> LMSolution: every block's count derived step by step, the repeat as ``L·(…)``.

The only place the plans' formulas are evaluated. Nothing here formats text for people.
"""

from __future__ import annotations

from ...records import record
from ..formula import sum_formula
from ..steps import Step, derive
from .config import HFConfig
from .families import Part, Size, plan


@record
class BlockResult:
    key: str
    step: Step

    @property
    def params(self) -> int:
        return self.step.value


@record
class PartResult:
    index: int
    title: str
    blocks: tuple[BlockResult, ...]
    total: Step  # the part's count: the blocks' formulas together, times the repeat if any
    repeat: str | None  # the symbol of the layer count: "L"
    repeat_count: int | None
    one_layer: int | None  # the blocks of one layer added up, for a repeated part

    @property
    def params(self) -> int:
        return self.total.value


@record
class LMSolution:
    source: str
    model_type: str
    family: str
    counted_as: str
    sizes: tuple[Size, ...]
    derived: tuple[Step, ...]  # sizes worked out from others (head size, patches)
    parts: tuple[PartResult, ...]
    total: Step
    notes: tuple[str, ...]

    @property
    def total_params(self) -> int:
        return self.total.value


def solve_config(config: HFConfig) -> LMSolution:
    """The worked count of the model that ``config`` describes."""
    laid_out = plan(config)
    values = {size.symbol: size.value for size in laid_out.sizes}
    meanings = {size.symbol: f"{size.meaning}, {size.key}" for size in laid_out.sizes}
    derived = []
    for item in laid_out.derived:
        quantity = f"{item.meaning} {item.symbol}"
        step = derive(quantity, item.formula, values, meanings, item.why)
        derived.append(step)
        values[item.symbol] = step.value
        meanings[item.symbol] = item.meaning
    parts = tuple(
        _part(index, part, values, meanings) for index, part in enumerate(laid_out.parts, 1)
    )
    return LMSolution(
        source=config.source,
        model_type=config.model_type,
        family=laid_out.family,
        counted_as=laid_out.counted_as,
        sizes=laid_out.sizes,
        derived=tuple(derived),
        parts=parts,
        total=_total(parts),
        notes=laid_out.notes,
    )


def _part(index: int, part: Part, values: dict[str, int], meanings: dict[str, str]) -> PartResult:
    blocks = tuple(
        BlockResult(b.key, derive(b.quantity, b.formula, values, meanings, b.why))
        for b in part.blocks
    )
    terms = [
        f"({b.formula})" if len(part.blocks) > 1 and "+" in b.formula else b.formula
        for b in part.blocks
    ]
    together = " + ".join(terms)
    if part.repeat is None:
        why = "the blocks added up" if len(blocks) > 1 else blocks[0].step.why
        total = derive(f"parameters of the {part.title.lower()}", together, values, meanings, why)
        return PartResult(index, part.title, blocks, total, None, None, None)
    why = (
        f"every one of the {part.repeat} layers has the same blocks: one layer's formula, "
        f"{part.repeat} times"
    )
    text = f"{part.repeat}*({together})"
    total = derive(f"parameters of the {part.repeat} layers", text, values, meanings, why)
    one_layer = sum(b.params for b in blocks)
    return PartResult(index, part.title, blocks, total, part.repeat, values[part.repeat], one_layer)


def _total(parts: tuple[PartResult, ...]) -> Step:
    values = {f"p_{part.index}": part.params for part in parts}
    meanings = {f"p_{part.index}": part.title.lower() for part in parts}
    why = "the total is the sum of the parts"
    return derive(
        "total parameters", sum_formula(tuple(values)), values, meanings, why, counts=True
    )
