"""explainer: how to compute the output shape and the parameters of every layer, step by step.

>>> from explainer import solve_spec
>>> solution = solve_spec("input(1024) -> FCwB(256) -> FC(128) -> Maxpool(3) -> FC(3)")
>>> solution.total_params
295294
"""

from .api import bank_examples, explain, solve_example, solve_spec
from .deriving.solve import LayerResult, Solution, solve
from .errors import ExplainerError
from .reading import parse, parse_shape
from .rendering.render import render, to_json

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
