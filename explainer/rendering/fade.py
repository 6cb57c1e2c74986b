"""Faded worked examples: which parts of a worked solution ``render(..., fade=N)`` leaves blank.

The steps of a solution, in the order it shows them, are each layer's steps and then the
total. Fading N blanks the last N of them (the last step first, as a faded example fades the
end of the working before its beginning), and every number shown elsewhere that such a step
gives away: the output shape from the first blank shape step on, the "Parameters:" line of a
layer whose count is blank, and the summary table. Pure data: the templates only ask
``fade.hides(step)`` and the like.
"""

from __future__ import annotations

from ..deriving.solution import LayerResult, Solution
from ..deriving.steps import Step
from ..errors import OptionError
from ..records import record


@record
class Blank:
    """One blanked step and the layer it belongs to (None for the total)."""

    layer: LayerResult | None
    step: Step


@record
class Fade:
    blanks: tuple[Blank, ...] = ()  # in the order the solution shows them
    shapes_from: int = 0  # the first layer whose output shape is blank; 0: no shape is

    def __bool__(self) -> bool:
        return bool(self.blanks)

    def hides(self, step: Step) -> bool:
        # By identity: two identical layers have equal steps, and only one of them may be blank.
        return any(blank.step is step for blank in self.blanks)

    def hides_output(self, layer: LayerResult) -> bool:
        return 0 < self.shapes_from <= layer.index

    def hides_input(self, layer: LayerResult) -> bool:
        return 0 < self.shapes_from < layer.index

    def hides_params(self, layer: LayerResult) -> bool:
        return layer.params_step is not None and self.hides(layer.params_step)


def blank_last(solution: Solution, count: int) -> Fade:
    """The last ``count`` steps of ``solution`` blank (all of them if it has fewer)."""
    if count and (solution.cost_totals or any(layer.costs for layer in solution.layers)):
        raise OptionError("{fade} blanks the shape and parameter steps: leave out {show}")
    steps = [Blank(layer, step) for layer in solution.layers for step in layer.steps]
    steps.append(Blank(None, solution.total))
    blanks = tuple(steps[max(0, len(steps) - count) :]) if count else ()
    shaping = [
        blank.layer.index
        for blank in blanks
        if blank.layer is not None and blank.step is not blank.layer.params_step
    ]
    return Fade(blanks, shaping[0] if shaping else 0)
