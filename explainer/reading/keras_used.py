"""What ``keras.Model(inputs, outputs)`` holds: only the layers its output depends on.

Keras runs every line, so a layer written but not on the way from the inputs to the output is
made and called (an error in it is an error of the code), and takes its name (an unused
``Dense`` between two used ones still takes ``dense_1``), but the model neither lists nor
counts it. The reader's graph numbers every layer written; here the output's ancestors are
kept, renumbered in the order written, each named as Keras named it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from ..boundary import shorten
from ..deriving.layers import resolve
from ..deriving.naming import Made, own_names
from ..deriving.naming import made as objects_made
from ..deriving.solve import solve
from ..deriving.spec import Architecture, LayerSpec, Note
from ..errors import ExplainerError, SpecSyntaxError

_LISTED = 4  # unused layers named in the note


def used(written: Architecture, output: int, where: str, made: Mapping[int, int]) -> Architecture:
    """``written`` with only the nodes ``output`` reads, directly or not. ``made``: the order
    in which Keras made each node's layer object (node 0, the first keras.Input, is 0)."""
    layers = written.layers
    needed = _ancestors(layers, output)
    if output == 0:
        raise SpecSyntaxError("keras.Model's output is its input: the model has no layers", where)
    unread = [n for n in range(len(layers) + 1) if n not in needed and _is_input(layers, n)]
    if unread:
        which = "the first keras.Input" if unread[0] == 0 else layers[unread[0] - 1].where
        raise SpecSyntaxError(
            f"keras.Model's output does not depend on the input made at {which}: explainer "
            "reads a model that uses every keras.Input",
            where,
        )
    if len(needed) <= len(layers):
        solve(written)  # Keras runs the unused lines too: they must be valid
    kinds = _kinds(layers)
    if kinds is None:
        return written  # a name no kind has: solving it says which, and where
    order = sorted(range(len(kinds)), key=lambda node: made[node])
    named = dict(zip(order, own_names(kinds[node] for node in order), strict=True))
    kept = sorted(needed - {0})
    number = {old: new for new, old in enumerate([0, *kept])}
    specs = [_renumbered(layers[old - 1], old, number) for old in kept]
    if [named[old] for old in kept] != own_names(kinds[old] for old in kept):
        # the table names the layers in the order it lists them: give it Keras's names
        specs = [
            spec if kinds[old][-1][1] is not None else _named(spec, named[old])
            for spec, old in zip(specs, kept, strict=True)
        ]
    unused = [node for node in range(1, len(layers) + 1) if node not in needed]
    if unused:
        written = replace(written, notes=(*written.notes, _unused_note(layers, unused, named)))
    return replace(written, layers=tuple(specs))


def _unused_note(layers: tuple[LayerSpec, ...], unused: list[int], named: dict[int, str]) -> Note:
    """Which layers were written but are not in the model, by Keras's name and place (the
    first few: a count says how many more)."""
    listed = ", ".join(
        f"{named[n]} ({layers[n - 1].where}, {shorten(layers[n - 1].text)})"
        for n in unused[:_LISTED]
    )
    more = len(unused) - _LISTED
    tail = " and {more} more" if more > 0 else ""
    return Note(
        f"keras.Model holds only the layers its output depends on: {listed}{tail} "
        f"{'is' if len(unused) == 1 else 'are'} made but not part of the model, and not counted",
        (("more", more),) if more > 0 else (),
    )


def _kinds(layers: tuple[LayerSpec, ...]) -> list[list[Made]] | None:
    """The layer objects each node makes (its own last: Keras's class and the name= given);
    node 0, the first keras.Input, makes an InputLayer."""
    kinds: list[list[Made]] = [[("InputLayer", None)]]
    for spec in layers:
        try:
            kind, _ = resolve(spec.call, "keras")
        except ExplainerError:
            return None
        given = dict(spec.kwargs).get("name")
        kinds.append(objects_made(kind.type_name(), given, spec.args, spec.kwargs))
    return kinds


def named_in_blocks(written: Architecture) -> Architecture:
    """A layer of a nested Sequential, ``sequential/Dense``, is named by its path to Keras's
    own name, ``sequential/dense_1``: two Dense of one block are two layers, not one module
    called twice (which the solver counts once)."""
    kinds = _kinds(written.layers)
    if kinds is None:
        return written  # a name no kind has: solving it says which, and where
    names = own_names(kinds)[1:]  # in a Sequential, the layers are made in the order written
    specs = [
        replace(spec, name=f"{spec.name.rpartition('/')[0]}/{name}")
        if spec.name is not None and "/" in spec.name
        else spec
        for spec, name in zip(written.layers, names, strict=True)
    ]
    return replace(written, layers=tuple(specs))


def _ancestors(layers: tuple[LayerSpec, ...], output: int) -> set[int]:
    """``output`` and every node it reads, directly or not (nodes read only earlier ones)."""
    needed = {output}
    for node in range(output, 0, -1):
        if node in needed:
            spec = layers[node - 1]
            needed.update(spec.inputs if spec.inputs is not None else (node - 1,))
    return needed


def _is_input(layers: tuple[LayerSpec, ...], node: int) -> bool:
    return node == 0 or layers[node - 1].call == "InputLayer"


def _renumbered(spec: LayerSpec, old: int, number: Mapping[int, int]) -> LayerSpec:
    sources = spec.inputs if spec.inputs is not None else (old - 1,)
    inputs = tuple(number[source] for source in sources)
    new = number[old]
    return replace(spec, inputs=None if inputs == (new - 1,) else inputs)


def _named(spec: LayerSpec, name: str) -> LayerSpec:
    """The name Keras gave it, as if written name=: the table counts no layer it does not
    hold."""
    return replace(spec, kwargs=(*spec.kwargs, ("name", name)))
