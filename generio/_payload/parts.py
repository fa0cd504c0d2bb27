"""Part files: where a file being written sits until it is whole, and what a crash leaves."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

#: What every part's name carries: generio wrote it.
PART_MARK = ".generio"
PART_SUFFIX = ".part"
#: Characters of the file's name kept in its part's name (every file system allows 255).
_NAME_KEPT = 120
#: Part names tried for one file: the writers of one file at the same moment, at most.
_SLOTS = 100

try:  # POSIX: advisory locks tell a live writer's part from a dead one's
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


def part_name(filename: str, slot: int = 1) -> str:
    """Return the name of the part of ``filename`` (``slot`` > 1: another writer's)."""
    extra = "" if slot == 1 else f"-{slot}"
    return f".{filename[:_NAME_KEPT]}{PART_MARK}{extra}{PART_SUFFIX}"


def _try_lock(fd: int) -> bool | None:
    """Take a part's exclusive lock without waiting: True, False (held), None (no locks)."""
    if fcntl is None:  # pragma: no cover - Windows
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError:  # locks not supported here (some network file systems)
        return None
    return True


def _remove_if_stale(part: Path) -> bool:
    """Remove ``part`` if no live writer holds it; whether it was removed (or gone)."""
    if fcntl is None:  # pragma: no cover - Windows refuses to delete a file open elsewhere
        try:
            part.unlink()
        except FileNotFoundError:
            return True
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


def remove_stale_parts(directory: Path, filename: str) -> list[Path]:
    """Remove the stale parts of ``filename`` in ``directory``; return those removed."""
    removed: list[Path] = []
    for slot in range(1, _SLOTS + 1):
        part = directory / part_name(filename, slot)
        if not os.path.lexists(part):
            break
        if _remove_if_stale(part):
            removed.append(part)
    return removed


def open_part(directory: Path, filename: str, flags: int) -> tuple[int, Path]:
    """Create and lock the part of ``filename``, stale parts of it removed first."""
    remove_stale_parts(directory, filename)
    scratch = directory / f".{filename[:_NAME_KEPT]}{PART_MARK}-{secrets.token_hex(4)}{PART_SUFFIX}"
    fd = os.open(scratch, flags, 0o666)
    try:
        _try_lock(fd)  # before the part has its name: no one ever sees it unlocked
        for slot in range(1, _SLOTS + 1):
            part = directory / part_name(filename, slot)
            try:
                os.link(scratch, part)
            except FileExistsError:
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
