"""Saving a download: the decoded content into a file that appears only once complete."""

from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path
from types import TracebackType
from typing import IO

from generio._drivers.download import Content, DownloadLimits
from generio._errors import OutputSaveError
from generio._jobs.effects import Download, Saved
from generio._payload import files as _files
from generio._payload import mime as _mime
from generio._payload.names import named_file, readable_base, readable_name


def file_name(effect: Download, mime: str) -> str:
    """Name the file of a download: ``dest=``'s name, the readable pattern, or the asset id."""
    extension = _mime.extension_for(mime)
    if effect.filename is not None:
        return effect.filename
    if effect.named is not None:
        return named_file(effect.named, effect.index, extension)
    if effect.stem is not None:
        return readable_name(
            effect.stem, effect.flow_id, effect.index, extension, effect.directory,
            set(effect.taken),
        )  # fmt: skip
    return _files.safe_filename(effect.asset_id, extension, taken=set(effect.taken))


class _KeepTwin(Exception):
    """Discards a finished download whose bytes are already saved under its own name."""


class OutputWriter:
    """Takes one download's body chunk by chunk and leaves the decoded file, or nothing."""

    def __init__(
        self, effect: Download, content_type: str, limits: DownloadLimits, hold: int = 0
    ) -> None:
        self._effect = effect
        self._stack = contextlib.ExitStack()
        self._file: IO[bytes] | None = None
        self.path: Path | None = None
        # Up to ``hold`` bytes stay in memory before a file is opened (see HOLD_BYTES).
        self._hold = hold
        self._held: list[bytes] = []
        self._held_size = 0
        self._mime: str | None = None
        # The file already under this output's readable name: kept if it holds the same bytes.
        self._twin: Path | None = None
        self._digest = hashlib.sha256()
        self._keep_twin = False
        self.content = Content(effect.path, content_type, limits, self._open, self._write)

    def __enter__(self) -> OutputWriter:
        self._stack.__enter__()
        self.content.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None and self._keep_twin:
            # Leave through the temporary file's error path: it is removed, nothing renamed.
            with contextlib.suppress(_KeepTwin):
                self._stack.__exit__(_KeepTwin, _KeepTwin(), None)
            return
        self._stack.__exit__(exc_type, exc, tb)

    def _open(self, mime: str) -> None:
        self._mime = mime
        if not self._hold:
            self._open_file(mime)

    def _open_file(self, mime: str) -> None:
        effect = self._effect
        directory = effect.directory
        name = file_name(effect, mime)
        writer = _files.atomic_writer(
            directory, name, flow_id=effect.flow_id or None, asset_id=effect.asset_id
        )
        self._file = self._stack.enter_context(writer)
        self.path = directory / name
        if effect.filename is None and effect.stem is not None:
            base = readable_base(
                effect.stem, effect.flow_id, effect.index, _mime.extension_for(mime)
            )
            if base != name and (directory / base).is_file():
                self._twin = directory / base

    def _write(self, data: bytes) -> None:
        if self._file is None:
            assert self._mime is not None  # noqa: S101 - on_mime comes before any data
            self._held.append(data)
            self._held_size += len(data)
            if self._held_size > self._hold:  # too large to hold: a file from here on
                self._write_held(self._mime)
            return
        try:
            self._file.write(data)
        except OSError as exc:  # a full disk: never the flow's fault, never retried
            effect = self._effect
            where = self.path or effect.directory
            raise OutputSaveError(
                exc, where, flow_id=effect.flow_id or None, asset_id=effect.asset_id
            ) from None
        if self._twin is not None:
            self._digest.update(data)

    def _same_as_twin(self) -> bool:
        """Whether the file under this output's own name holds exactly what was downloaded."""
        twin = self._twin
        try:
            if twin is None or twin.stat().st_size != self.content.size:
                return False
            with twin.open("rb") as stream:
                return hashlib.file_digest(stream, "sha256").digest() == self._digest.digest()
        except OSError:  # unreadable now: keep the new file rather than guess
            return False

    def _write_held(self, mime: str) -> None:
        """Open the file and write what was held back."""
        self._open_file(mime)
        held, self._held, self._held_size = self._held, [], 0
        for data in held:
            self._write(data)

    def saved(self, mime: str) -> Saved:
        """Return the path the file gets once committed (a held output's file opened now)."""
        if self._file is None:
            self._write_held(mime)
        assert self.path is not None  # noqa: S101 - the file is open
        if self._twin is not None and self._same_as_twin():
            self._keep_twin = True
            return Saved(self._twin, mime)
        return Saved(self.path, mime)

    def commit(self, mime: str) -> Saved:
        """Write what is held, then commit the file (synced, renamed); where it is."""
        try:
            saved = self.saved(mime)
        except BaseException as exc:
            self.__exit__(type(exc), exc, exc.__traceback__)  # nothing is kept
            raise
        self.__exit__(None, None, None)
        return saved
