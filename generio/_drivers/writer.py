"""The download half a driver performs: limits, the status check, and the file writer.

``GET /flows/{id}/outputs/{asset_id}`` answers JSON whose ``data`` is a data URI of the whole
model (a 200 MB GLB is a 270 MB string). :class:`OutputWriter` never holds it: the body's
chunks go through :class:`~generio._payload.stream.BodyDecoder` and into an
``atomic_writer`` temp file that becomes the output only once complete. A raw binary body
(a non-JSON Content-Type, as the vendor's quickstart assumes) is written as it is.

The file is named by :func:`file_name` (the asset id, the readable pattern, or ``dest=``),
so a hostile id cannot escape ``out_dir``. The job that asks for downloads (and retries one
that broke off) is ``generio._jobs.downloads``.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import attrs
import httpx

from generio._drivers.answers import bad_body
from generio._errors import (
    APITimeoutError,
    DownloadTimeoutError,
    InputError,
    OutputSaveError,
    ResponseTooLargeError,
    ServerError,
)
from generio._http.bounded import Limit, content_limit
from generio._http.operations import Operation
from generio._http.settings import Settings
from generio._jobs.effects import Download, Saved
from generio._payload import files as _files
from generio._payload import mime as _mime
from generio._payload.error_body import error_from_response
from generio._payload.names import named_file, readable_base, readable_name
from generio._payload.stream import BodyDecoder

__all__ = [
    "DownloadLimits",
    "OutputWriter",
    "check_download",
    "download_op",
    "file_name",
    "past_deadline",
    "timeout_error",
    "too_large_error",
]


@attrs.frozen
class DownloadLimits:
    """The ceilings of one download attempt: its file's size and its deadline.

    Attributes:
        max_bytes: the largest file (``max_download_bytes``).
        timeout: seconds the attempt may take (``download_timeout``), or None.
        deadline: the ``time.monotonic()`` by which it must be done, or None.
    """

    max_bytes: int
    timeout: float | None
    deadline: float | None

    @classmethod
    def start(cls, settings: Settings, deadline: float | None = None) -> DownloadLimits:
        """Return the limits of an attempt that starts now.

        Args:
            settings: the client's settings.
            deadline: when the whole fetch (retries included) must end; None: the
                attempt gets ``download_timeout`` from now.
        """
        timeout = settings.download_timeout
        if deadline is None and timeout is not None:
            deadline = time.monotonic() + timeout
        return cls(settings.max_download_bytes, timeout, deadline)

    def body(self) -> Limit:
        """Return the body's ceiling, decompressed: the file as base64 inside its JSON."""
        return content_limit(self.max_bytes)

    def request_timeout(self, client: httpx.Timeout | None) -> httpx.Timeout | None:
        """Return the client's timeouts, none longer than the whole deadline.

        A server that stops sending (or never starts) is then cut off in time even when the
        client has no read timeout; one that trickles is caught by :meth:`OutputWriter.feed`.
        """
        if self.deadline is None:
            return client
        base = client if client is not None else httpx.Timeout(None)
        # At least a moment: an attempt that starts at the deadline fails by its own check.
        left = max(self.deadline - time.monotonic(), 0.001)

        def capped(value: float | None) -> float:
            return min(math.inf if value is None else value, left)

        return httpx.Timeout(
            connect=capped(base.connect),
            read=capped(base.read),
            write=capped(base.write),
            pool=capped(base.pool),
        )

    def expired(self) -> bool:
        """Whether the deadline has passed."""
        return self.deadline is not None and time.monotonic() > self.deadline


def _told(tail: str) -> str:
    return f" {tail}" if tail else ""


def timeout_error(
    path: str, timeout: float | None, tail: str = "Nothing was saved."
) -> DownloadTimeoutError:
    """Return the error of a download (or stream) that passed ``download_timeout``."""
    return DownloadTimeoutError(
        f"GET {path}: the download took longer than {timeout or 0:g} s, the client's "
        f"download_timeout (retries included).{_told(tail)} What to do: the output stays on "
        "the service: fetch it again later (that creates no flow), or create the client with "
        "a longer download_timeout.",
        method="GET",
        path=path,
    )


def too_large_error(
    path: str, limit: int, tail: str = "Nothing was saved."
) -> ResponseTooLargeError:
    """Return the error of an output (downloaded or streamed) past ``max_download_bytes``."""
    return ResponseTooLargeError(
        f"GET {path}: the output is larger than {limit} bytes, the client's "
        f"max_download_bytes.{_told(tail)} What to do: if so large an output is expected, "
        "create the client with a larger max_download_bytes.",
        limit=limit,
        method="GET",
        path=path,
        status_code=200,
    )


@contextlib.contextmanager
def past_deadline(effect: Download, limits: DownloadLimits) -> Iterator[None]:
    """Report a request timeout that the deadline cut short as the download's timeout."""
    try:
        yield
    except APITimeoutError as exc:
        if isinstance(exc, DownloadTimeoutError) or not limits.expired():
            raise
        raise timeout_error(effect.path, limits.timeout) from exc


def download_op(effect: Download) -> Operation[Any]:
    """Return the download's operation, for error messages and translation."""
    return effect.op


def check_download(effect: Download, response: httpx.Response) -> None:
    """Raise the error an unsuccessful download answer stands for (its body read)."""
    if not 200 <= response.status_code < 300:
        raise error_from_response(
            effect.op.method, effect.path, response.status_code, response.content, response.headers
        )


def file_name(effect: Download, mime: str) -> str:
    """Name the file of a download: ``dest=``'s name, the readable pattern, or the asset id.

    A copy of the names taken is used: a failed attempt must not use up a name.
    """
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
    """Takes one download's body chunk by chunk and leaves the decoded file, or nothing.

    Use as a context manager: leaving it with an exception discards the temporary file.
    The decoding is :class:`~generio._payload.stream.BodyDecoder`'s.

    Args:
        effect: the download (directory, asset id, names taken, path for messages).
        content_type: the answer's Content-Type.
        limits: the file's largest size and the attempt's deadline.
    """

    def __init__(self, effect: Download, content_type: str, limits: DownloadLimits) -> None:
        self._effect = effect
        self._limits = limits
        self._written = 0
        self._stack = contextlib.ExitStack()
        self._file: IO[bytes] | None = None
        self.path: Path | None = None
        # The file already under this output's own readable name, if any; kept (and no copy
        # written) when the download turns out to hold the same bytes: a resumed run.
        self._twin: Path | None = None
        self._digest = hashlib.sha256()
        self._keep_twin = False
        self._decoder = BodyDecoder(content_type, self._open, self._write)

    def __enter__(self) -> OutputWriter:
        self._stack.__enter__()
        self._decoder.start()
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

    def _bad_body(self, why: str) -> ServerError:
        return bad_body(self._effect.path, why)

    def _open(self, mime: str) -> None:
        directory = self._effect.directory
        effect = self._effect
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
        assert self._file is not None  # noqa: S101 - on_mime comes before any data
        self._written += len(data)
        if self._written > self._limits.max_bytes:
            raise too_large_error(self._effect.path, self._limits.max_bytes)
        try:
            self._file.write(data)
        except OSError as exc:  # a full disk: the flow's fault? never; retried? never
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
        theirs = hashlib.sha256()
        try:
            if twin is None or twin.stat().st_size != self._written:
                return False
            with twin.open("rb") as stream:
                while block := stream.read(1 << 20):
                    theirs.update(block)
        except OSError:  # unreadable now: keep the new file rather than guess
            return False
        return theirs.digest() == self._digest.digest()

    def _check_deadline(self) -> None:
        if self._limits.expired():
            raise timeout_error(self._effect.path, self._limits.timeout)

    def feed(self, chunk: bytes) -> None:
        """Take the next chunk of the body.

        Raises:
            ServerError: the body is not what the API documents.
            ResponseTooLargeError: the output grew past ``max_download_bytes``.
            DownloadTimeoutError: the download passed its ``download_timeout``.
        """
        self._check_deadline()
        try:
            self._decoder.feed(chunk)
        except InputError as exc:
            raise self._bad_body(f"its body could not be read ({exc})") from None

    def finish(self) -> Saved:
        """Check the body was complete; return the path the file gets once committed.

        Raises:
            ServerError: the body ended early, or held no data.
        """
        try:
            self._decoder.close()
        except InputError as exc:
            raise self._bad_body(f"its body was cut short or malformed ({exc})") from None
        if self.path is None or self._decoder.mime_type is None:
            raise self._bad_body("its body held no data")
        if self._twin is not None and self._same_as_twin():
            self._keep_twin = True
            return Saved(self._twin, self._decoder.mime_type)
        return Saved(self.path, self._decoder.mime_type)
