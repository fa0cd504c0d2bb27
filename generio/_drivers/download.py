"""The one download core: an output's content fetched, checked and decoded, without I/O."""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import httpx

from generio._drivers.answers import bad_body
from generio._errors import APITimeoutError, DownloadTimeoutError, InputError, ResponseTooLargeError
from generio._http.settings import Settings
from generio._payload.stream import BodyDecoder

#: What a failed save adds to its message; a stream says what it handed out instead.
NOTHING_SAVED = " Nothing was saved."


@attrs.define
class DownloadLimits:
    """The ceilings of one download attempt: its file's size and its deadline.

    A stream moves the deadline on by the time its reader holds it between chunks.
    """

    max_bytes: int
    timeout: float | None
    deadline: float | None

    @classmethod
    def start(cls, settings: Settings, deadline: float | None = None) -> DownloadLimits:
        """Return the limits of an attempt that starts now."""
        timeout = settings.download_timeout
        if deadline is None and timeout is not None:
            deadline = time.monotonic() + timeout
        return cls(settings.max_download_bytes, timeout, deadline)

    def request_timeout(self, client: httpx.Timeout | None) -> httpx.Timeout | None:
        """Return the client's timeouts, none longer than the whole deadline."""
        if self.deadline is None:
            return client
        base = client if client is not None else httpx.Timeout(None)
        # At least a moment: an attempt that starts at the deadline fails by its own check.
        left = max(self.deadline - time.monotonic(), 0.001)

        def capped(value: float | None) -> float:
            return min(math.inf if value is None else value, left)

        return httpx.Timeout(**{name: capped(value) for name, value in base.as_dict().items()})

    def expired(self) -> bool:
        """Whether the deadline has passed."""
        return self.deadline is not None and time.monotonic() > self.deadline


def timeout_error(
    path: str, timeout: float | None, tail: str = NOTHING_SAVED
) -> DownloadTimeoutError:
    """Return the error of a download (or stream) that passed ``download_timeout``."""
    return DownloadTimeoutError(
        f"GET {path}: the download took longer than {timeout or 0:g} s, the client's "
        f"download_timeout (retries included).{tail} What to do: the output stays on "
        "the service: fetch it again later (that creates no flow), or create the client with "
        "a longer download_timeout.",
        method="GET",
        path=path,
    )


def too_large_error(path: str, limit: int, tail: str = NOTHING_SAVED) -> ResponseTooLargeError:
    """Return the error of an output (downloaded or streamed) past ``max_download_bytes``."""
    return ResponseTooLargeError(
        f"GET {path}: the output is larger than {limit} bytes, the client's "
        f"max_download_bytes.{tail} What to do: if so large an output is expected, "
        "create the client with a larger max_download_bytes.",
        limit=limit,
        method="GET",
        path=path,
        status_code=200,
    )


@contextlib.contextmanager
def past_deadline(path: str, limits: DownloadLimits) -> Iterator[None]:
    """Report a request timeout that the deadline cut short as the download's timeout."""
    try:
        yield
    except APITimeoutError as exc:
        if isinstance(exc, DownloadTimeoutError) or not limits.expired():
            raise
        raise timeout_error(path, limits.timeout) from exc


class _Local(Exception):
    """Carries a local failure (its ``InputError``: a file's name refused) past the decoder."""


def _local(step: Callable[[Any], None]) -> Callable[[Any], None]:
    """Mark the caller's refusals (``InputError``): the caller's, never a malformed body's."""

    def marked(value: Any) -> None:
        try:
            step(value)
        except InputError as exc:
            raise _Local(exc) from None

    return marked


class Content:
    """One answer's body, decoded chunk by chunk into ``sink``, within the limits."""

    def __init__(
        self,
        path: str,
        content_type: str,
        limits: DownloadLimits,
        on_mime: Callable[[str], None],
        sink: Callable[[bytes], None],
        tail: str = NOTHING_SAVED,
    ) -> None:
        self._path = path
        self._limits = limits
        self._sink = _local(sink)
        self._tail = tail
        self.size = 0
        self._decoder = BodyDecoder(content_type, _local(on_mime), self._take)

    def _take(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self._limits.max_bytes:
            raise too_large_error(self._path, self._limits.max_bytes, self._tail)
        self._sink(data)

    def start(self) -> None:
        """Begin: a raw body's MIME type is known from its head, before any chunk."""
        self._step(self._decoder.start)

    def feed(self, chunk: bytes) -> None:
        """Take the next chunk of the body."""
        if self._limits.expired():
            raise timeout_error(self._path, self._limits.timeout, self._tail)
        self._step(self._decoder.feed, chunk)

    def _step(
        self, step: Callable[..., None], *args: bytes, why: str = "could not be read"
    ) -> None:
        try:
            step(*args)
        except _Local as local:  # a file that could not be opened: not the body's fault
            raise local.args[0] from None
        except InputError as exc:
            raise bad_body(self._path, f"its body {why} ({exc})") from None

    def finish(self) -> str:
        """Check the body was complete; return the content's MIME type."""
        self._step(self._decoder.close, why="was cut short or malformed")
        if self._decoder.mime_type is None:
            raise bad_body(self._path, "its body held no data")
        return self._decoder.mime_type
