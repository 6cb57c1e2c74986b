"""Keras's rule for the name a layer gets when none is given: the class name in snake case,
numbered from the second of a kind in the order the layer objects are made (dense, dense_1)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from itertools import accumulate
from typing import Any

from ..errors import ExplainerError
from .layers import resolve
from .spec import LayerCall


def snake_case(name: str) -> str:
    """Keras's own rule (keras.src.utils.naming.to_snake_case): Conv2D -> conv2d,
    MaxPooling2D -> max_pooling2d."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def auto_names(made: Iterable[tuple[str, str | None]]) -> list[str]:
    """Each layer's name, for (type, name given or None) in the order the layers are made:
    a given name is kept and takes no number."""
    seen: dict[str, int] = {}
    names = []
    for kind, given in made:
        if given is not None:
            names.append(given)
            continue
        base = snake_case(kind)
        count = seen.get(base, 0)
        seen[base] = count + 1
        names.append(base if count == 0 else f"{base}_{count}")
    return names


Made = tuple[str, str | None]  # a layer object Keras makes: its class, and the name= given


def made(
    kind: str, given: object, args: tuple[Any, ...], kwargs: tuple[tuple[str, Any], ...]
) -> list[Made]:
    """The layer objects a written layer (a call of Keras class ``kind``, ``given`` its
    ``name=``) makes, in Python's order: those written among its arguments, depth first
    (``Bidirectional(LSTM(4))`` makes the LSTM first, and it takes ``lstm``), then itself."""
    objects: list[Made] = []
    for value in (*args, *(value for _, value in kwargs)):
        objects += _inner(value)
    objects.append((kind, given if isinstance(given, str) else None))
    return objects


def _inner(value: Any) -> list[Made]:
    if isinstance(value, tuple | list):
        return [made for item in value for made in _inner(item)]
    if not isinstance(value, LayerCall):
        return []
    try:
        kind, _ = resolve(value.call, "keras")
    except ExplainerError:
        return []  # no layer Keras names (solving the layer around it says what it is)
    return made(kind.type_name(), dict(value.kwargs).get("name"), value.args, value.kwargs)


def own_names(layers: Iterable[list[Made]]) -> list[str]:
    """Each written layer's name, given the objects each makes, in the order they are made:
    its own object is the last it makes."""
    groups = list(layers)
    names = auto_names(made for group in groups for made in group)
    ends = list(accumulate(len(group) for group in groups))
    return [names[end - 1] for end in ends]


def keras_order(reads: Sequence[tuple[int, ...]]) -> list[int]:
    """The order in which a Keras functional model lists its layers (model.layers, and so
    model.summary()), for the nodes 1..n of a graph whose last node is the output;
    ``reads[k - 1]``: the nodes node k reads (0: the input). Keras (keras.src.ops.function.
    map_graph) sorts by depth, the longest way to the output, deepest first, and a tie by
    when a depth-first walk from the output, each node's inputs in order, first meets it."""
    last = len(reads)
    met: dict[int, int] = {}
    stack = [last]
    while stack:
        node = stack.pop()
        if node in met or node == 0:
            continue
        met[node] = len(met)
        stack.extend(reversed(reads[node - 1]))
    depth = {last: 0}
    for node in range(last, 0, -1):  # a node reads only earlier ones
        if node in depth:
            for source in reads[node - 1]:
                depth[source] = max(depth.get(source, 0), depth[node] + 1)
    order = sorted(met, key=lambda node: (-depth[node], met[node]))
    return order + [node for node in range(1, last + 1) if node not in met]
