"""Keras's rule for the name a layer gets when none is given: the class name in snake case,
numbered from the second of a kind in the order the layer objects are made (dense, dense_1)."""

from __future__ import annotations

import re
from collections.abc import Iterable


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
