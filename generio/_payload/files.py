"""Where downloads land: safe file names, and files that appear whole or not at all.

A file being written sits in a locked part file until it is whole; a crash leaves a part
that the next writer of that name removes.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import secrets
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from generio._errors import InputError, OutputSaveError

#: Characters of the file's name kept in its part's name (every file system allows 255).
_NAME_KEPT = 120
#: Part names tried for one file: the writers of one file at the same moment, at most.
_SLOTS = 100

try:  # POSIX: advisory locks tell a live writer's part from a dead one's
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


def _part(directory: Path, filename: str, tag: int | str) -> Path:
    """Return the part of ``filename``: tag 1 the first writer's, 2+ others', a token a scratch."""
    extra = "" if tag == 1 else f"-{tag}"
    return directory / f".{filename[:_NAME_KEPT]}.generio{extra}.part"


def _try_lock(fd: int) -> bool:
    """Take a part's exclusive lock without waiting; False when held or locks are unsupported."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # BlockingIOError: held; others: no locks here (some network file systems)
        return False
    return True


def _remove_if_stale(part: Path) -> bool:
    """Remove ``part`` if no live writer holds it; whether it was removed (or gone)."""
    if fcntl is None:  # pragma: no cover - Windows refuses to delete a file open elsewhere
        try:
            part.unlink(missing_ok=True)
        except OSError:
            return False
        return True
    try:
        fd = os.open(part, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | os.O_CLOEXEC)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    try:
        if not _try_lock(fd):  # held by a live writer, or locks cannot tell: keep it
            return False
        with contextlib.suppress(FileNotFoundError):
            part.unlink()
        return True
    finally:
        os.close(fd)


def open_part(directory: Path, filename: str, flags: int) -> tuple[int, Path]:
    """Create and lock the part of ``filename``, stale parts of it removed first."""
    scratch = _part(directory, filename, secrets.token_hex(4))
    fd = os.open(scratch, flags, 0o666)
    try:
        if fcntl is not None:  # before the part has its name: no one ever sees it unlocked
            _try_lock(fd)
        for slot in range(1, _SLOTS + 1):
            part = _part(directory, filename, slot)
            try:
                os.link(scratch, part)
            except FileExistsError:
                if slot == 1:  # sweep stale parts only now: a free name (the rule) costs no look
                    for other in range(1, _SLOTS + 1):
                        stale = _part(directory, filename, other)
                        if not os.path.lexists(stale):
                            break
                        _remove_if_stale(stale)
                if _remove_if_stale(part):
                    with contextlib.suppress(FileExistsError):
                        os.link(scratch, part)
                        os.unlink(scratch)
                        return fd, part
                continue
            except OSError:  # no hard links here: the scratch name is the part
                return fd, scratch
            os.unlink(scratch)
            return fd, part
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(scratch)
        raise
    return fd, scratch


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
_MAX_STEM = 100  # far below every file system's 255, leaving room for suffixes
_MAX_EXTENSION = 16
# Device names Windows reserves in any case and with any extension ("con.glb" included).
_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"} | {f"{dev}{n}" for dev in ("COM", "LPT") for n in range(10)}
)


def safe_filename(asset_id: str, extension: str, *, taken: set[str] | None = None) -> str:
    """Return a file name for ``asset_id`` that is safe on Linux, macOS and Windows."""
    letters = re.sub(r"[^A-Za-z0-9]", "", extension)[:_MAX_EXTENSION]
    ext = f".{letters}" if letters else ""
    digest = hashlib.sha256(asset_id.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    stem = _UNSAFE.sub("_", asset_id).lstrip(".-").rstrip(".")
    if stem.split(".", 1)[0].upper() in _RESERVED:
        stem = f"_{stem}"
    if len(stem) > _MAX_STEM:
        stem = stem[:_MAX_STEM].rstrip(".")
    changed = stem != asset_id or not stem  # an empty id gets "asset-<hash>"
    if changed:
        stem = f"{stem or 'asset'}-{digest}"
    name = stem + ext
    if taken is not None:
        used = {t.lower() for t in taken}
        if name.lower() in used and not changed:
            stem = f"{stem}-{digest}"
            name = stem + ext
        counter = 2
        while name.lower() in used:
            name = f"{stem}-{counter}{ext}"
            counter += 1
        taken.add(name)
    return name


def is_directory(path: Path) -> bool:
    """Whether ``path`` is a directory; False for a name the system refuses (too long)."""
    try:
        return path.is_dir()
    except OSError:  # ENAMETOOLONG: writing the file then says so, typed
        return False


def sync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX); best effort, as some file systems refuse."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def open_stream(fd: int) -> BinaryIO:
    """Return the file object a part is written through (fault-injection tests replace it)."""
    return os.fdopen(fd, "wb")


def _make_directory(directory: Path, failed: Callable[[OSError, Path], Exception]) -> None:
    """Create ``directory`` with its parents; a path through a file is the caller's mistake."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as exc:
        raise InputError(
            f"cannot create the directory {str(directory)!r}: {exc.strerror or exc}; choose "
            "another one."
        ) from None
    except OSError as exc:
        raise failed(exc, directory) from None


def _check_target(
    directory: Path, root: Path, filename: str, failed: Callable[[OSError, Path], Exception]
) -> Path:
    """Return ``root / filename``, refused when it would not be a file directly in ``root``."""
    target = root / filename
    refused = filename in {"", ".", ".."} or any(c in filename for c in {os.sep, "/", "\x00"})
    mode = 0
    if not refused:
        with contextlib.suppress(OSError):  # nothing of that name yet (the open will tell)
            mode = os.lstat(target).st_mode
        if stat.S_ISLNK(mode):  # only a symlink can lead out of root: only it is resolved
            refused = target.resolve().parent != root.resolve()
            mode = 0
            if not refused:
                with contextlib.suppress(OSError):  # a dangling link: replaced like a file
                    mode = os.stat(target).st_mode
    if refused:
        _make_directory(directory, failed)  # as it always was: a bad name made no difference
        raise InputError(
            f"refusing to write {filename!r}: it would not land directly inside "
            f"{str(directory)!r}. Build names with safe_filename()."
        )
    if stat.S_ISDIR(mode):
        raise InputError(f"cannot write {str(target)!r}: a directory has that name.")
    return target


@contextlib.contextmanager
def atomic_writer(
    directory: Path,
    filename: str,
    *,
    flow_id: str | None = None,
    asset_id: str | None = None,
) -> Iterator[BinaryIO]:
    """Write ``directory / filename`` so that it appears complete or not at all."""
    directory = Path(directory)
    # Whose file is written (a flow's output, or not), for the error of a local failure.
    failed = functools.partial(OutputSaveError, flow_id=flow_id, asset_id=asset_id)
    # Absolute, pinned against a later chdir: lexically (no system call) unless a ".."
    # after a symlink could lead elsewhere.
    root = directory.resolve() if ".." in directory.parts else Path(os.path.abspath(directory))
    target = _check_target(directory, root, filename, failed)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    for extra in ("O_BINARY", "O_NOFOLLOW", "O_CLOEXEC"):
        flags |= getattr(os, extra, 0)
    try:
        fd, temporary = open_part(root, filename, flags)
    except (FileNotFoundError, NotADirectoryError):
        # The directory is missing (or runs through a file): made here, not checked before
        # every file, which would cost each of a batch's outputs system calls.
        _make_directory(directory, failed)
        try:
            fd, temporary = open_part(root, filename, flags)
        except OSError as exc:
            raise failed(exc, root) from None
    except OSError as exc:
        raise failed(exc, root) from None
    stream = open_stream(fd)
    try:
        yield stream
        try:
            if not stream.closed:
                stream.flush()
                os.fsync(stream.fileno())
            stream.close()
            os.replace(temporary, target)
        except OSError as exc:
            raise failed(exc, target) from None
    except BaseException:
        # Closing may fail again (the buffer still cannot be written): the first error wins.
        with contextlib.suppress(OSError):
            stream.close()
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    sync_directory(root)
