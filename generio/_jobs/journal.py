"""The resume journal: which flow each key of a batch made, on disk, as soon as it is known."""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs

from generio._errors import InputError
from generio._jobs.effects import Local
from generio._payload.files import sync_directory

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows: appends of one process stay whole
    fcntl = None  # type: ignore[assignment]


@contextlib.contextmanager
def _locked(fd: int, exclusive: bool) -> Iterator[None]:
    if fcntl is None:  # pragma: no cover - Windows
        yield
        return
    fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


class Journal:
    """One batch's journal: what the file held when loaded, and what this run added."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._flows: dict[str, tuple[str, str]] = {}  # key -> (flow id, fingerprint)
        self._posting: dict[str, float] = {}  # key -> first posting (epoch seconds)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Journal:
        """Read a journal (a missing file is an empty one)."""
        journal = cls(path)
        try:  # open() makes the descriptor close-on-exec
            with open(journal.path, "rb") as stream, _locked(stream.fileno(), exclusive=False):
                for line in stream:
                    journal._take(line)
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise journal._unusable(exc) from None
        return journal

    def _unusable(self, exc: OSError) -> InputError:
        return InputError(
            f"cannot use {str(self.path)!r} as a journal: {exc.strerror or exc}; pass a file "
            "path in a writable directory."
        )

    def _take(self, line: bytes) -> None:
        """Apply one line; a torn or foreign line is skipped."""
        try:
            record = json.loads(line)
        except ValueError:
            return
        if not isinstance(record, dict) or not isinstance(record.get("key"), str):
            return
        key, fingerprint = record["key"], record.get("fingerprint")
        fingerprint = fingerprint if isinstance(fingerprint, str) else ""
        if isinstance(record.get("flow"), str):
            self._flows[key] = (record["flow"], fingerprint)
        elif isinstance(record.get("posting"), int | float):
            self._posting.setdefault(key, float(record["posting"]))

    def flow_of(self, key: str) -> tuple[str, str] | None:
        """Return ``(flow id, fingerprint)`` recorded for ``key``, if any."""
        with self._lock:
            return self._flows.get(key)

    def posted_at(self, key: str) -> float | None:
        """Return when a create with ``key`` was first sent without its flow being recorded."""
        with self._lock:
            return None if key in self._flows else self._posting.get(key)

    def forget(self, key: str) -> None:
        """Drop the flow recorded for a key (it was deleted since)."""
        with self._lock:
            self._flows.pop(key, None)

    def posting(self, key: str, fingerprint: str) -> JournalAppend:
        """Return the effect that records a create about to be sent."""
        return JournalAppend(
            self, {"v": 1, "key": key, "fingerprint": fingerprint, "posting": time.time()}
        )

    def made(self, key: str, flow_id: str, fingerprint: str) -> JournalAppend:
        """Return the effect that records the key's flow."""
        record = {"v": 1, "key": key, "fingerprint": fingerprint, "flow": flow_id}
        return JournalAppend(self, record)

    def append(self, record: dict[str, Any]) -> None:
        """Append one record, whole, and sync it to disk before returning."""
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # "a+b": read-write, appending; open() makes the descriptor close-on-exec.
            with open(self.path, "a+b", opener=lambda p, f: os.open(p, f, 0o644)) as stream:
                fd = stream.fileno()
                with _locked(fd, exclusive=True):
                    size = os.fstat(fd).st_size
                    if size and os.pread(fd, 1, size - 1) != b"\n":
                        line = b"\n" + line  # a torn line before: start on a new one
                    os.write(fd, line)
                    getattr(os, "fdatasync", os.fsync)(fd)
            if not size:
                sync_directory(self.path.parent)
        except OSError as exc:
            raise self._unusable(exc) from None
        with self._lock:
            self._take(line.strip())


@attrs.frozen(eq=False)
class JournalAppend(Local[None]):
    """Append a record to a journal (a local effect; it blocks on the disk)."""

    journal: Journal
    record: dict[str, Any]
    blocking = True

    def perform(self) -> None:
        self.journal.append(self.record)


@attrs.frozen(eq=False)
class LoadJournal(Local[Journal]):
    """Read a journal at the start of a batch (a local effect)."""

    path: str | os.PathLike[str]
    blocking = True

    def perform(self) -> Journal:
        return Journal.load(self.path)
