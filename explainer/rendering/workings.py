"""An inverse problem's working (explainer.teaching.generate.inverse) as its printed parts: the
equation, the unknown isolated, the numbers put in, in Unicode and in LaTeX. The quiz JSON
carries them, and the templates print them through the ``working`` filter."""

from __future__ import annotations

from typing import Any

import sympy

from ..deriving.formula import Path
from ..teaching.problems import Working
from .printing import LatexPrinter, UnicodePrinter


def working_json(working: Working) -> dict[str, Any]:
    text = UnicodePrinter(tight=working.tight)
    latex = LatexPrinter(tight=working.tight)
    return {
        "unknown": working.unknown,
        "meaning": working.meaning,
        "formula": UnicodePrinter(tight=working.formula.tight).doprint(working.formula.expr),
        "stated": working.stated,
        "equation": f"{text.doprint(working.equation)} = {working.stated}",
        "equation_latex": f"{latex.doprint(working.equation)} = {working.stated}",
        "isolated": f"{working.unknown} = {_Text().doprint(working.isolated)}",
        "isolated_latex": f"{working.unknown} = {_Latex().doprint(working.isolated)}",
        "substituted": f"{working.unknown} = {_Text().doprint(working.substituted)}",
        "substituted_latex": f"{working.unknown} = {_Latex().doprint(working.substituted)}",
        "solutions": list(working.solutions),
        "value": working.value,
        "notes": list(working.notes),
    }


class _Text(UnicodePrinter):
    """The ordered printer, plus the square root that isolating a square kernel needs."""

    def _print(self, expr: Any, path: Path) -> str:
        if expr.is_Pow and expr.exp == sympy.Rational(1, 2):
            return f"√({self._print(expr.base, (*path, 0))})"
        return super()._print(expr, path)


class _Latex(LatexPrinter):
    def _print(self, expr: Any, path: Path) -> str:
        if expr.is_Pow and expr.exp == sympy.Rational(1, 2):
            return rf"\sqrt{{{self._print(expr.base, (*path, 0))}}}"
        return super()._print(expr, path)
