"""Writing a quiz's files all or nothing: see :mod:`explainer.rendering.files`, the one place that
writes (built beside the target, then swapped in; a folder explainer did not write, or a file
edited since, is refused unless ``force``)."""

from __future__ import annotations

from ...rendering.files import MARKER, OutputError, check_target, write_tree

__all__ = ["MARKER", "OutputError", "check_target", "write_tree"]
