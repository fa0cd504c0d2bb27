"""The logic of ``flows.stream_output``: the base of both clients' streams; it does no I/O.

Nothing of a request lives in a context variable, so a stream opened in one thread or
task can be read in another (Starlette reads a sync iterator from a thread pool).
"""

from __future__ import annotations

import time
import zlib
from collections import deque
from typing import TYPE_CHECKING, Any

import httpx

from generio._drivers.answers import bad_body, check_status, connection_error, scrubbed
from generio._drivers.download import Content, DownloadLimits, timeout_error, too_large_error
from generio._errors import (
    APITimeoutError,
    ClientClosedError,
    DownloadTimeoutError,
    GenerioError,
    ResponseTooLargeError,
    ServerError,
)
from generio._http.bounded import content_limit
from generio._http.operations import get_output_op
from generio._http.sending import tags
from generio._jobs.flow_errors import name_flow, while_collecting
from generio._jobs.retries import Patience, ride_out

if TYPE_CHECKING:
    from generio._drivers.asynchronous import AsyncDriver
    from generio._drivers.sync import SyncDriver

_ADVICE = " What to do: "
_WEB = (
    "the output stays on the service: stream it again from its start "
    "(client.flows.stream_output), or save it first (client.flows.download_output) and serve "
    "the file. In a web app, open the stream (stream.open()) before the response starts, so "
    "a failure before the first byte can still become an HTTP error status"
)


class StreamCore:
    """Both streams' base, without the I/O: requests to make, chunks in, pieces ready."""

    _client = "Generio"  # the client's name in ClientClosedError

    def __init__(self, driver: SyncDriver | AsyncDriver, flow_id: str, asset_id: str) -> None:
        self.flow_id = flow_id
        self.asset_id = asset_id
        self._state = driver.state
        self._op = get_output_op(flow_id, asset_id)
        self._patience: Patience | None = None
        self._limits: DownloadLimits | None = None
        self._content: Content | None = None
        self._response: httpx.Response | None = None
        self._pending: list[bytes] = []
        self._ready: deque[bytes] = deque()  # decoded pieces to hand out
        self._ended = False  # at the content's end, or closed
        self._closed = False  # by close()/aclose(), maybe from another thread: hand out no more
        # Decoded bytes handed out (or ready) so far, and their CRC-32.
        self._handed = 0
        self._crc = 0
        # While a reopened stream skips what was handed out already: bytes left, their CRC.
        self._skip = 0
        self._skip_crc = 0
        self._mime: str | None = None
        # An error no new attempt can mend (the content changed under a reopened stream).
        self._fatal: ServerError | None = None
        # Since when the reader holds the stream (after open() or a piece): not the service's.
        self._away: float | None = None

    @property
    def mime_type(self) -> str | None:
        """The content's MIME type, known once the stream is open (None before)."""
        return self._mime

    @property
    def bytes_handed_out(self) -> int:
        """How many bytes of content the stream has handed out so far."""
        return self._handed - sum(map(len, self._ready))

    def _request(self, http: httpx.Client | httpx.AsyncClient) -> httpx.Request:
        """Build the next attempt's request (``op``'s), within the download's deadline."""
        if self._patience is None:
            settings = self._state.settings
            self._patience = Patience.start(settings.download_timeout)
            self._limits = DownloadLimits.start(settings, self._patience.deadline)
        assert self._limits is not None  # noqa: S101 - set with the patience
        budget = self._state.budget()
        budget.deadline = self._patience.deadline
        extensions, _seen = tags(budget, content_limit(self._limits.max_bytes))
        return http.build_request(
            **self._op.raw_request(asynchronous=isinstance(http, httpx.AsyncClient)),
            timeout=self._limits.request_timeout(http.timeout),
            extensions=extensions,
        )

    def _back(self) -> None:
        """Move the deadline on by the time the reader held the stream; it asks for more.

        ``download_timeout`` bounds the wait for the service, not a slow reader's pace (a
        web client on a slow link, an upload elsewhere).
        """
        if self._away is None:
            return
        held, self._away = time.monotonic() - self._away, None
        for limit in (self._patience, self._limits):
            if limit is not None and limit.deadline is not None:
                limit.deadline += held

    def _begin(self, response: httpx.Response) -> None:
        """Take an answer's head (its body read if it is an error)."""
        assert self._limits is not None  # noqa: S101 - set by the first request
        check_status(self._op, response)
        self._pending.clear()
        content_type = response.headers.get("content-type", "")
        self._content = Content(
            self._op.path, content_type, self._limits, self._on_mime, self._pending.append, ""
        )
        self._skip, self._skip_crc = self._handed, 0
        self._take(self._content.start)

    def _on_mime(self, mime: str) -> None:
        self._mime = mime

    def _take(self, step: Any, *args: Any) -> None:
        """Run one step of the download core; its pieces (skip applied) become ready."""
        step(*args)
        pieces, self._pending[:] = list(self._pending), []
        for piece in pieces:
            if self._skip:
                seen, piece = piece[: self._skip], piece[self._skip :]
                self._skip -= len(seen)
                self._skip_crc = zlib.crc32(seen, self._skip_crc)
                if not self._skip and self._skip_crc != self._crc:
                    raise self._changed()
            if piece:
                self._handed += len(piece)
                self._crc = zlib.crc32(piece, self._crc)
                self._ready.append(piece)

    def _changed(self) -> ServerError:
        self._fatal = bad_body(
            self._op.path,
            f"its content differs from the {self._handed} bytes read before the connection "
            "was lost, so the rest cannot follow them",
        )
        return self._fatal

    def _feed(self, chunk: bytes | None) -> bool:
        """Decode a chunk of the body (None: its end) into the ready pieces; False at the end."""
        assert self._content is not None  # noqa: S101 - begun
        if chunk is not None:
            self._take(self._content.feed, chunk)
            return True
        self._take(self._content.finish)
        if self._skip:
            raise self._changed()
        self._ended = True
        return False

    def _failed(self, exc: Exception) -> float:
        """Decide after an attempt failed: the seconds to wait before the next, or raise."""
        if self._ended:
            return 0.0  # closed by another thread or task: no new attempt
        if self._state.life.closing:
            raise ClientClosedError(self._client, in_flight=True)
        error = self._translate(exc)
        if error is self._fatal:
            raise self._final(error)
        assert self._patience is not None  # noqa: S101 - set by the first request
        steps = ride_out(self._patience, error)
        try:
            pause = next(steps)
        except GenerioError as given_up:
            raise self._final(given_up)  # noqa: B904 - the same error, told more
        return float(pause.seconds)

    def _translate(self, exc: Exception) -> GenerioError:
        if isinstance(exc, GenerioError):
            error = exc
        elif isinstance(exc, httpx.RequestError | httpx.StreamError):
            error = connection_error(self._op, exc)
            error.__cause__ = scrubbed(exc)
        else:
            raise exc  # a bug, not a failure of the service: it must stay visible
        limits = self._limits
        cut = isinstance(error, APITimeoutError) and not isinstance(error, DownloadTimeoutError)
        if cut and limits is not None and limits.expired():
            # The request's timeout was cut to what was left of download_timeout.
            error = timeout_error(self._op.path, limits.timeout, "")
        return error

    def _final(self, error: GenerioError) -> GenerioError:
        """Name the flow; say what was handed out already, and what works then."""
        if not self._handed:
            while_collecting(error, self.flow_id, completed=False)
            return error
        if isinstance(error, ResponseTooLargeError):
            limit = self._limits.max_bytes if self._limits is not None else error.limit
            error = too_large_error(self._op.path, limit, "")
        head, _, own = error.message.partition(_ADVICE)
        told = (
            f"{head.rstrip()} {self._handed} bytes of the output had already been handed "
            "out, so whatever received them holds an incomplete copy: discard it (a web "
            "response cut short this way ends without its last chunk, which HTTP clients "
            "report as an error)."
        )
        advice = f"{own.rstrip('. ')}; {_WEB}" if own else _WEB
        error.message = f"{told}{_ADVICE}{advice}."
        error.args = (error.message,)
        name_flow(error, self.flow_id)
        return error
