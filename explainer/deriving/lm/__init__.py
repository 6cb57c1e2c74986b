"""Transformer models counted from a Hugging Face ``config.json``: read, plan, solve.

``solve_config(read_config(text))`` gives the worked count; render it with
:func:`explainer.rendering.render.render_lm`. Needs neither transformers nor torch.
"""

from __future__ import annotations

from .families import FAMILIES
from .solve import LMSolution, solve_config

__all__ = ["FAMILIES", "LMSolution", "solve_config"]
