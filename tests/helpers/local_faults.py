"""Local faults for the tests: a file layer that fails on demand, and small real file systems.

``inject_write_fault`` replaces the file object generio writes a part through
(``generio._payload.files.open_stream``) with one that fails as a full disk, a vanished
directory or any other ``OSError`` does. ``small_fs`` mounts a real tmpfs of a few KiB
(read-only if asked) where the test runs as root and may mount, and skips otherwise: the
fault layer covers the same cases everywhere.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import pytest

from generio._payload import files as _files

__all__ = [
    "FaultyStream",
    "count_requests",
    "inject_write_fault",
    "part_files",
    "small_fs",
]


class FaultyStream:
    """A file object that writes through, then fails once ``after`` bytes were written.

    Args:
        inner: the real file object.
        error: what to raise (``OSError(errno.ENOSPC, ...)``).
        after: bytes written before the failure.
        before_failing: called once, just before the failure (e.g. remove the directory).
    """

    def __init__(
        self,
        inner: BinaryIO,
        error: OSError,
        after: int,
        before_failing: Callable[[], None] | None = None,
    ) -> None:
        self._inner = inner
        self._error = error
        self._left = after
        self._before = before_failing
        self.failed = 0

    def write(self, data: bytes) -> int:
        """Write, or fail once the allowance is spent."""
        if len(data) > self._left:
            self.failed += 1
            if self._before is not None:
                self._before()
                self._before = None
            raise self._error
        self._left -= len(data)
        return self._inner.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def inject_write_fault(
    monkeypatch: pytest.MonkeyPatch,
    code: int = errno.ENOSPC,
    *,
    after: int = 0,
    before_failing: Callable[[], None] | None = None,
) -> list[FaultyStream]:
    """Make every part generio writes fail with ``code`` after ``after`` bytes.

    Returns:
        The streams handed out so far (a test asserts the fault fired).
    """
    real = _files.open_stream
    handed: list[FaultyStream] = []

    def faulty(fd: int) -> BinaryIO:
        stream = FaultyStream(real(fd), OSError(code, os.strerror(code)), after, before_failing)
        handed.append(stream)
        return stream  # type: ignore[return-value]

    monkeypatch.setattr(_files, "open_stream", faulty)
    return handed


def _can_mount() -> bool:
    return os.name == "posix" and os.geteuid() == 0 and shutil.which("mount") is not None


@contextlib.contextmanager
def small_fs(where: Path, size_kib: int = 16, *, read_only: bool = False) -> Iterator[Path]:
    """Mount a tmpfs of ``size_kib`` KiB at ``where`` for the block (skip where one cannot)."""
    if not _can_mount():
        pytest.skip("mounting a small file system needs root")
    where.mkdir(parents=True, exist_ok=True)
    options = f"size={size_kib}k,mode=0777" + (",ro" if read_only else "")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False, capture_output=True)


def part_files(root: Path) -> list[Path]:
    """Every part file (finished or not) under ``root``."""
    return sorted(p for p in root.rglob("*") if p.name.endswith(".part"))


def count_requests(seen: list[tuple[str, str]], method: str, path_part: str) -> int:
    """How many requests a counting proxy forwarded with ``method`` and ``path_part``."""
    return sum(1 for m, url in seen if m == method and path_part in url)
