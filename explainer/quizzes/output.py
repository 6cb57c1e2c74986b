"""Writing a quiz's files all or nothing: into a temporary folder next to the target, then
moved into place. A failure removes the temporary folder and leaves the target as it was."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from ..errors import ExplainerError


class OutputError(ExplainerError):
    """The output directory cannot be written."""


def check_target(target: Path) -> None:
    """Refuse a target that cannot be a directory before any work is done."""
    if target.exists() and not target.is_dir():
        raise OutputError(f"cannot write {target}: it is a file, not a directory")
    for parent in target.parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputError(f"cannot write {target}: {parent} is a file, not a directory")
            if not os.access(parent if not target.exists() else target, os.W_OK | os.X_OK):
                raise OutputError(f"cannot write {target}: permission denied")
            return


def write_tree(written: Mapping[str, bytes], target: Path) -> None:
    """Write ``written`` (relative path -> bytes) under ``target``.

    A new directory appears whole (one rename). An existing one gets these files replaced,
    each by a rename; nothing else in it is touched.
    """
    check_target(target)
    staging = _staging(target)
    try:
        for name, data in written.items():
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        _open_up(staging)
        if target.is_dir():
            _merge(staging, target, written)
        else:
            staging.rename(target)
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _staging(target: Path) -> Path:
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(dir=parent, prefix=f".{target.name}.", suffix=".tmp"))
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from None


def _merge(staging: Path, target: Path, written: Mapping[str, bytes]) -> None:
    for name in written:
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        (staging / name).replace(destination)


def _open_up(staging: Path) -> None:
    """mkdtemp's folder is private (0700); a quiz is not: the umask decides, as for any file."""
    mask = os.umask(0)
    os.umask(mask)
    staging.chmod(0o777 & ~mask)
    for path in staging.rglob("*"):
        path.chmod((0o777 if path.is_dir() else 0o666) & ~mask)
