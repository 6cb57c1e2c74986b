"""`explainer layers`: every registry entry, with the formulas its worked solution writes."""

from __future__ import annotations

import json

import pytest

from explainer.deriving.layers import ALIASES, FRAMEWORKS, KINDS, registry
from explainer.reading.catalogue import catalogue
from explainer.rendering.options import FORMATS
from explainer.rendering.render import render_catalogue


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_every_kind_has_its_own_example_that_solves_to_it(framework: str) -> None:
    kinds, _ = registry(framework)
    for name, kind in kinds.items():
        assert "example" in kind.__dict__, f"{name}: add an example spec to the class"
    for entry in catalogue(framework):
        assert entry.solved.type == entry.name


@pytest.mark.parametrize("fmt", FORMATS)
def test_catalogue_lists_every_kind_and_alias_in_every_format(fmt: str) -> None:
    text = render_catalogue(catalogue("pytorch"), fmt)
    for name in [*KINDS, *ALIASES]:
        assert name in text, name


def test_catalogue_shows_the_worked_formulas() -> None:
    text = render_catalogue(catalogue("pytorch"), "text")
    assert "Parameters = ((m·n·d)+1)·k" in text
    assert "Output length = ⌊(W − F + 2P)/S + 1⌋" in text
    data = json.loads(render_catalogue(catalogue("pytorch"), "json"))
    linear = next(entry for entry in data if entry["name"] == "Linear")
    assert linear["example_solution"]["steps"][0]["formula"] == "i·o + o"
    assert {a["name"] for a in linear["aliases"]} == {"FCwB", "FC"}
