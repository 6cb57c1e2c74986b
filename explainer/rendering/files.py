"""Writing output safely: one document (``-o FILE``) or a whole folder (``quiz -o DIR``).

The only place explainer writes files. A document is written whole or not at all, never
through a symbolic link and never onto a FIFO or a device; a folder is built beside its
target and swapped in, so an interruption (an error, Ctrl-C, SIGTERM) leaves the old folder
exactly as it was and no temporary file or folder behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import hashlib
import json
import os
import shutil
import signal
import stat
import tempfile
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import FrameType

from ..errors import ExplainerError, literal

# Written into every quiz folder: which files explainer wrote and their SHA-256, so that a
# later run knows the folder is its own and sees a file edited by hand since.
MARKER = ".explainer-quiz.json"
_TEMP_PREFIX = ".explainer-"  # short: a 254-character target name still leaves room
_RENAME_EXCHANGE = 2  # renameat2(2): swap two paths in one step
_AT_FDCWD = -100
_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISREG, "a file"),
)


class OutputError(ExplainerError):
    """The output cannot be written."""


# -- one document ------------------------------------------------------------------------------


def write_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path``: a new path or an existing regular file, nothing else.

    An existing file keeps its mode (and, for root, its owner). A file with other hard
    links is rewritten in place, once the whole document is in memory, so that every link
    still sees it; any other file is replaced by a rename of a complete temporary file.
    """
    status = _lstat(path)
    if status is not None and not stat.S_ISREG(status.st_mode):
        raise OutputError(f"cannot write {path}: it is {_kind(status.st_mode)}, not a regular file")
    try:
        with _signals_raise():
            if status is not None and status.st_nlink > 1:
                _write_in_place(path, data, status)
            else:
                _replace(path, data, status)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None


def _replace(path: Path, data: bytes, status: os.stat_result | None) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=_TEMP_PREFIX, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            os.fchmod(handle.fileno(), stat.S_IMODE(status.st_mode) if status else _mode(0o666))
            if status is not None and os.geteuid() == 0:
                os.fchown(handle.fileno(), status.st_uid, status.st_gid)
        Path(tmp).replace(path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def _write_in_place(path: Path, data: bytes, status: os.stat_result) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "wb") as handle:
        now = os.fstat(fd)
        if (now.st_dev, now.st_ino) != (status.st_dev, status.st_ino):
            raise OSError(errno.EAGAIN, "the file changed while it was being written")
        handle.write(data)
        handle.truncate(len(data))


# -- a folder ----------------------------------------------------------------------------------


def check_target(target: Path, force: bool = False) -> dict[str, str] | None:
    """Refuse, before any work, a target that explainer must not replace: a file, a link,
    a folder it did not write (unless ``force``), one with a file edited since (unless
    ``force``). Returns the manifest of the files explainer wrote there before, if any."""
    status = _lstat(target)
    if status is None:
        _check_parent(target)
        return None
    if not stat.S_ISDIR(status.st_mode):
        raise OutputError(f"cannot write {target}: it is {_kind(status.st_mode)}, not a directory")
    if not os.access(target.parent if str(target.parent) else ".", os.W_OK | os.X_OK):
        raise OutputError(f"cannot write {target}: permission denied")
    manifest = _manifest(target)
    if force:
        return manifest
    if manifest is None:
        if any(target.iterdir()):
            raise OutputError(
                literal(f"cannot write {target}: it is a folder explainer did not write, ")
                + "and not empty; {force} writes into it (its other files are kept)",
                named=True,
            )
        return None
    for name, digest in manifest.items():
        if _digest_of(target / name) not in (digest, None):
            raise OutputError(
                literal(f"cannot write {target}: {name} was edited since explainer wrote it; ")
                + "{force} overwrites it",
                named=True,
            )
    return manifest


def write_tree(written: Mapping[str, bytes], target: Path, force: bool = False) -> None:
    """Write ``written`` (relative path -> bytes) as the folder ``target``, whole or not at
    all: built beside it, the files of an existing folder that are not explainer's carried
    over (hard links, never followed), then swapped in with one rename."""
    manifest = check_target(target, force)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with _signals_raise():
            staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=_TEMP_PREFIX, suffix=".tmp"))
            try:
                _build(staging, written)
                if target.is_dir():
                    ours = set(manifest or ()) | {MARKER}
                    _carry_over(target, staging, written, ours, force)
                _swap(staging, target)
            finally:
                with _signals_blocked():  # the old folder goes whole, never half
                    shutil.rmtree(staging, ignore_errors=True)
    except _Collision as exc:
        why = literal(f"cannot write {target}: {exc.strerror}")
        raise OutputError(why + "; {force} replaces it", named=True) from None
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from None


def _build(staging: Path, written: Mapping[str, bytes]) -> None:
    staging.chmod(_mode(0o777))  # mkdtemp's folder is private; a quiz is not
    for name, data in written.items():
        path = staging / name
        for folder in reversed(path.relative_to(staging).parents[:-1]):
            with contextlib.suppress(FileExistsError):
                (staging / folder).mkdir(mode=_mode(0o777))
        path.write_bytes(data)
        path.chmod(_mode(0o666))
    digests = {name: hashlib.sha256(data).hexdigest() for name, data in written.items()}
    (staging / MARKER).write_text(
        json.dumps({"written by": "explainer quiz", "files": digests}, indent=1) + "\n",
        encoding="utf-8",
    )


def _carry_over(
    old: Path, new: Path, written: Mapping[str, bytes], ours: set[str], force: bool
) -> None:
    """The user's own files in the old folder, linked into the new one. Nothing is followed:
    a symbolic link is copied as a link; anything of the user's standing where explainer
    writes a folder (a link named students) is refused, or with ``force`` replaced."""
    parents = {p.as_posix() for name in written for p in Path(name).parents if str(p) != "."}
    stack = [""]
    while stack:
        folder = stack.pop()
        with os.scandir(old / folder) as entries:
            for entry in entries:
                rel = f"{folder}/{entry.name}" if folder else entry.name
                if rel in ours or rel in written:
                    continue
                if rel in parents:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(rel)
                    elif not force:
                        raise _Collision(f"{rel} is not a folder, and explainer writes {rel}/")
                    continue
                _carry(Path(entry.path), new / rel, entry)


def _carry(source: Path, destination: Path, entry: os.DirEntry[str]) -> None:
    if entry.is_symlink():
        destination.symlink_to(source.readlink())
    elif entry.is_dir(follow_symlinks=False):
        shutil.copytree(source, destination, symlinks=True, copy_function=_link_or_copy)
    else:
        _link_or_copy(str(source), str(destination))


def _link_or_copy(source: str, destination: str) -> None:
    try:
        os.link(source, destination, follow_symlinks=False)
    except OSError:
        shutil.copy2(source, destination, follow_symlinks=False)


def _swap(staging: Path, target: Path) -> None:
    """Put ``staging`` at ``target`` in one step where the system can (renameat2's
    exchange), else with two renames during which SIGINT and SIGTERM wait."""
    if not target.exists():
        staging.rename(target)
        return
    if _exchange(staging, target):
        return  # staging now holds the old folder; the caller removes it
    with _signals_blocked():
        aside = Path(tempfile.mkdtemp(dir=target.parent, prefix=_TEMP_PREFIX, suffix=".old"))
        try:
            target.rename(aside)  # onto an empty folder: allowed
            staging.rename(target)
        except OSError:
            if not target.exists() and aside.exists():
                aside.rename(target)
            raise
    shutil.rmtree(aside, ignore_errors=True)


def _exchange(first: Path, second: Path) -> bool:
    name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(name, use_errno=True) if name else None
    function = getattr(libc, "renameat2", None)
    if function is None:
        return False
    done = function(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE)
    return bool(done == 0)


def _manifest(target: Path) -> dict[str, str] | None:
    marker = target / MARKER
    try:
        if not stat.S_ISREG(os.lstat(marker).st_mode):
            return None
        data = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        return None
    return {str(k): str(v) for k, v in files.items()}


def _digest_of(path: Path) -> str | None:
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return "not a file"
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except (FileNotFoundError, NotADirectoryError):  # gone, or a folder of it is now a file
        return None


def _check_parent(target: Path) -> None:
    for parent in target.parents:
        status = _lstat(parent)
        if status is None:
            continue
        if not parent.is_dir():
            raise OutputError(f"cannot write {target}: {parent} is a file, not a directory")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise OutputError(f"cannot write {target}: permission denied")
        return


# -- shared ------------------------------------------------------------------------------------


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):  # a parent missing, or a file
        return None
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _mode(full: int) -> int:
    mask = os.umask(0)
    os.umask(mask)
    return full & ~mask


class _Collision(OSError):
    """A file or link of the user's where explainer writes a folder (write_tree says that
    force replaces it)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.strerror = message


class _Terminated(SystemExit):
    """SIGTERM (or SIGHUP) while writing: unwinds like Ctrl-C, so that cleanup runs."""


@contextlib.contextmanager
def _signals_raise() -> Iterator[None]:
    """While writing, SIGTERM and SIGHUP raise (as SIGINT already does) instead of ending
    the process on the spot, so that the ``finally`` blocks remove temporary files."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        raise _Terminated(128 + signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def _signals_blocked() -> Iterator[None]:
    signals = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, signals)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
