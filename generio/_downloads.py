"""Streaming outputs to files: bounded memory, safe names, no partial files.

``GET /flows/{id}/outputs/{asset_id}`` answers JSON whose ``data`` is a data URI of the whole
model (a 200 MB GLB is a 270 MB string). :class:`OutputWriter` never holds it: the body's
chunks go through ``DataFieldExtractor`` (which finds the top-level ``data`` string in the
JSON as it streams past), the base64 decoder, and into an ``atomic_writer`` temp file that
becomes the output only once complete. A raw binary body (a non-JSON Content-Type, as the
vendor's quickstart assumes) is written as it is, its MIME type from the Content-Type.

The file is named from the asset id and the MIME type's extension by ``safe_filename``, so a
hostile id cannot escape ``out_dir``. A download that breaks off is started again from
scratch within the retry budget; the broken attempt leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from types import TracebackType
from typing import IO

import httpx

from generio import _extract, _files, _mime
from generio._degrade import degraded
from generio._effects import Call, Download, Job, Sleep
from generio._errors import (
    APIConnectionError,
    InputError,
    ServerError,
    error_from_response,
    hide_secrets,
)
from generio._models import Asset
from generio._operations import Operation, list_outputs_op, quote_id
from generio._retry import delay
from generio._state import ClientState

__all__ = [
    "OutputWriter",
    "check_download",
    "download_op",
    "download_outputs_job",
    "note_status",
    "prepare_directory",
]

logger = logging.getLogger("generio")
_JSON_SUFFIXES = ("/json", "+json")
_OCTETS = "application/octet-stream"


def download_op(effect: Download) -> Operation[None]:
    """Describe a download as an operation, for error messages and translation."""
    return Operation("GET", effect.path, lambda _m: None)


def check_download(effect: Download, response: httpx.Response) -> None:
    """Raise the error an unsuccessful download answer stands for (its body read)."""
    if not 200 <= response.status_code < 300:
        raise error_from_response(
            "GET", effect.path, response.status_code, response.content, response.headers
        )


def _is_json(content_type: str) -> bool:
    kind = content_type.split(";")[0].strip().lower()
    return kind.endswith(_JSON_SUFFIXES)


class OutputWriter:
    """Takes one download's body chunk by chunk and leaves the decoded file, or nothing.

    Use as a context manager: leaving it with an exception discards the temporary file.

    Args:
        effect: the download (directory, asset id, names taken, path for messages).
        content_type: the answer's Content-Type.
    """

    def __init__(self, effect: Download, content_type: str) -> None:
        self._effect = effect
        self._stack = contextlib.ExitStack()
        self._file: IO[bytes] | None = None
        self.path: Path | None = None
        self._extractor: _extract.DataFieldExtractor | None = None
        self._raw_type: str | None = None
        kind = content_type.split(";")[0].strip().lower()
        # Without a telling Content-Type the body's first bytes say JSON or raw, and what type.
        self._undecided = b"" if kind in ("", _OCTETS) else None
        if self._undecided is not None:
            pass
        elif _is_json(kind):
            self._start_json()
        else:
            self._raw_type = kind

    def _start_json(self) -> None:
        self._extractor = _extract.DataFieldExtractor(
            self._write, on_mime=self._open, accept_misprint=True
        )

    def _decide(self, chunk: bytes) -> bytes | None:
        """Buffer the start of a body without Content-Type until its kind shows."""
        assert self._undecided is not None  # noqa: S101 - only called while undecided
        head = self._undecided + chunk
        if not head.strip() and len(head) < _mime.SNIFF_BYTES:
            self._undecided = head
            return None
        self._undecided = None
        if head.lstrip()[:1] in (b"{", b"["):
            self._start_json()
        else:
            self._raw_type = _mime.detect(head[: _mime.SNIFF_BYTES]) or _OCTETS
            self._open(self._raw_type)
        return head

    def __enter__(self) -> OutputWriter:
        self._stack.__enter__()
        if self._raw_type is not None:
            self._open(self._raw_type)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stack.__exit__(exc_type, exc, tb)

    def _bad_body(self, why: str) -> ServerError:
        return ServerError(
            f"GET {self._effect.path} answered 200 but {hide_secrets(why)}. What to do: this is "
            "on the service's side; retry later.",
            method="GET",
            path=self._effect.path,
            status_code=200,
        )

    def _open(self, mime: str) -> None:
        directory = self._effect.directory
        # A copy of the names taken: a failed attempt must not use up a name.
        name = _files.safe_filename(
            self._effect.asset_id, _mime.extension_for(mime), taken=set(self._effect.taken)
        )
        self._file = self._stack.enter_context(_files.atomic_writer(directory, name))
        self.path = directory / name

    def _write(self, data: bytes) -> None:
        assert self._file is not None  # noqa: S101 - on_mime comes before any data
        self._file.write(data)

    def feed(self, chunk: bytes) -> None:
        """Take the next chunk of the body.

        Raises:
            ServerError: the body is not what the API documents.
        """
        if self._undecided is not None:
            decided = self._decide(chunk)
            if decided is None:
                return
            chunk = decided
        if self._extractor is None:
            self._write(chunk)
            return
        try:
            self._extractor.feed(chunk)
        except InputError as exc:
            raise self._bad_body(f"its body could not be read ({exc})") from None

    def finish(self) -> Path:
        """Check the body was complete; return the path the file gets once committed.

        Raises:
            ServerError: the body ended early, or held no data.
        """
        if self._extractor is not None:
            try:
                self._extractor.close()
            except InputError as exc:
                raise self._bad_body(f"its body was cut short or malformed ({exc})") from None
        if self.path is None:
            raise self._bad_body("its body held no data")
        return self.path


def note_status(asset: Asset) -> None:
    """Log (once) an output status generio does not know; such an output is still fetched."""
    if asset.status is not None and not asset.is_ready and asset.status != "processing":
        degraded(
            f"asset_status.{asset.status}",
            f"An output's status {asset.status!r} is not one generio knows; read as ready.",
        )


def prepare_directory(out_dir: Path) -> Path:
    """Create ``out_dir`` (with parents) if missing; return it.

    Raises:
        InputError: it exists and is not a directory, or it cannot be created.
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise InputError(f"out_dir '{out_dir}' exists and is not a directory.") from None
    except OSError as exc:
        raise InputError(f"out_dir '{out_dir}' cannot be created: {exc.strerror or exc}.") from None
    return out_dir


def _download_one(
    state: ClientState, flow_id: str, asset_id: str, directory: Path, taken: set[str]
) -> Job[Path]:
    """One output to one file; a download that broke off starts again from scratch."""
    budget = state.budget()
    path = f"/flows/{quote_id(flow_id)}/outputs/{quote_id(asset_id)}"
    while True:
        try:
            written: Path = yield Download(path, asset_id, directory, frozenset(taken), budget)
        except (APIConnectionError, ServerError):
            if budget.exhausted:
                raise
            yield Sleep(delay(budget.take()))
            continue
        taken.add(written.name)
        logger.info("wrote output %s of flow %s to %s", asset_id, flow_id, written)
        return written


def download_outputs_job(
    state: ClientState, flow_id: str, out_dir: Path
) -> Job[tuple[list[Asset], list[Path]]]:
    """Every ready output of a finished flow into ``out_dir`` (created if missing).

    Returns:
        The outputs as listed (without data) and the files written, in the same order;
        outputs that failed (``error``) get no file. Any other status, even one this version
        does not know, is downloaded: an output is never silently dropped.

    Raises:
        InputError: ``out_dir`` cannot be a directory.
        ConflictError: the flow has not finished yet.
    """
    directory = prepare_directory(out_dir)
    outputs: list[Asset] = yield Call(list_outputs_op(flow_id, False), state.budget())
    taken: set[str] = set()
    paths: list[Path] = []
    for asset in outputs:
        if asset.is_failed:
            continue
        note_status(asset)
        paths.append((yield from _download_one(state, flow_id, asset.id, directory, taken)))
    return outputs, paths
