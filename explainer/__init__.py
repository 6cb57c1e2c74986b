"""explainer: how to compute the output shape and the parameters of every layer, step by step.

>>> from explainer import solve_spec
>>> solution = solve_spec("input(1024) -> FCwB(256) -> FC(128) -> Maxpool(3) -> FC(3)")
>>> solution.total_params
295294
"""

from .api import bank_examples, explain, solve_example, solve_spec
from .deriving.solution import LayerResult, Solution, show_in_notebooks
from .deriving.solve import solve
from .errors import ExplainerError
from .reading import parse, parse_shape
from .rendering.render import render, render_notebook, to_json

# A solution in a notebook shows its worked solution; deriving never imports rendering, so the
# package hands the renderers in here.
show_in_notebooks(
    {
        "text/markdown": lambda solution: render(solution, "markdown"),
        "text/latex": lambda solution: render(solution, "latex"),
        "text/html": render_notebook,
    }
)

__all__ = [
    "ExplainerError",
    "LayerResult",
    "Solution",
    "bank_examples",
    "explain",
    "parse",
    "parse_shape",
    "render",
    "solve",
    "solve_example",
    "solve_spec",
    "to_json",
]
