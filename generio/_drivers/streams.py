"""One output streamed as decoded bytes: ``flows.stream_output`` of both clients (the I/O)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterator
from types import TracebackType
from typing import TYPE_CHECKING

import httpx

from generio._drivers.stream_core import StreamCore
from generio._errors import ClientClosedError
from generio._http.sending import WAKE_EXTENSION

if TYPE_CHECKING:
    import anyio

    from generio._drivers.asynchronous import AsyncDriver
    from generio._drivers.sync import SyncDriver


class OutputStream(StreamCore):
    """The decoded content of one output, in chunks: ``flows.stream_output``'s answer.

    Open it (``open()`` or ``with``) to send the request and learn the MIME type before
    anything is handed out; iterate it for the content (opening it if need be). It is
    closed at the end of the content, on an error, by ``close()`` or the ``with`` block,
    and when a half-read stream is collected::

        with client.flows.stream_output(flow_id, asset_id) as chunks:
            print(chunks.mime_type)  # known once opened
            for chunk in chunks:
                sink.write(chunk)

    In a web app, open it in the handler and return it as the body; it may be read from
    any thread (Starlette's ``StreamingResponse`` reads a sync iterator in a thread pool).

    Opening rides out transient failures (connection errors, timeouts, 5xx, 429, unreadable
    answers) with backoff until ``download_timeout`` (the client's, retries included); so
    does reading: a connection lost half-way is opened again and continues where it broke
    off. The time your code holds the stream between chunks does not count against
    ``download_timeout``. The content may grow to ``max_download_bytes``.

    Attributes:
        mime_type: the content's MIME type, known once the stream is open.
        flow_id: the flow.
        asset_id: the output.

    Raises:
        ConflictError: the flow has not finished (from opening).
        NotFoundError: no such flow or output.
        APIConnectionError: the connection kept failing until ``download_timeout``.
        ServerError: the answer is not what the API documents.
        ResponseTooLargeError: the content grew past ``max_download_bytes``.
        DownloadTimeoutError: the stream took longer than ``download_timeout``.
    """

    def __init__(self, driver: SyncDriver, flow_id: str, asset_id: str) -> None:
        super().__init__(driver, flow_id, asset_id)
        self._http: httpx.Client = driver.http
        self._wake = _Wake(self)  # set by closing the stream or the client: pauses, reads end
        self._chunks: Iterator[bytes] | None = None
        self._pieces: Generator[bytes, None, None] | None = None

    def open(self) -> OutputStream:
        """Send the request and read until the MIME type is known; return the stream.

        Does nothing on a stream already open or finished.

        Raises:
            ClientClosedError: the client was closed.
            APIError: as the class says; nothing was handed out yet.
        """
        if self._response is None and not self._ended:
            self._connect()
            self._away = time.monotonic()
        return self

    def _connect(self, pause: float = 0.0) -> None:
        """Open the answer, after ``pause`` and with retries; closing ends a pause at once."""
        life = self._state.life
        call = life.enter(self._wake, awaited=False)  # closing the client sets the wake-up
        try:
            while True:
                if pause and not life.closing:  # checked once counted: a close can't slip by
                    self._wake.wait(pause)
                if self._ended:
                    return  # closed by another thread meanwhile
                if self._http.is_closed or life.closing:
                    raise ClientClosedError(self._client, in_flight=self._patience is not None)
                try:
                    self._attempt()
                except Exception as exc:  # noqa: BLE001 - the core decides: retry or raise
                    pause = self._pause(exc)
                except BaseException:
                    self._drop()
                    raise
                else:
                    return
        finally:
            life.leave(call)

    def _attempt(self) -> None:
        request = self._request(self._http)
        request.extensions[WAKE_EXTENSION] = self._wake  # ends the transport's retry pauses
        self._response = response = self._http.send(request, stream=True)
        if self._ended:  # closed by another thread while the request was sent
            self._drop()
            return
        if not response.is_success:
            response.read()
        self._begin(response)
        self._chunks = response.iter_bytes()
        while self.mime_type is None and self._pull():
            pass  # the MIME type is known once open: read the head of the body

    def _pull(self) -> bool:
        """Read one chunk of the body into the ready pieces; False at its end."""
        assert self._chunks is not None  # noqa: S101 - set by _attempt
        chunk = next(self._chunks, None)
        if chunk is None and self._wake.is_set() and not self._ended:
            # The end a shut-down socket gives an answer without a length: the client closed.
            raise ClientClosedError(self._client, in_flight=True)
        if self._feed(chunk):
            return True
        self._drop()
        return False

    def _pause(self, exc: Exception) -> float:
        """Drop the answer; the seconds before the next attempt, or the final error."""
        self._drop()
        try:
            pause: float = self._failed(exc)
        except BaseException:
            self.close()  # a stream that failed is done
            raise
        return pause

    def _drop(self) -> None:
        response, self._response, self._chunks = self._response, None, None
        if response is not None:
            response.close()

    def _generate(self) -> Generator[bytes, None, None]:
        try:
            while not self._closed and (self._ready or not self._ended):
                self._back()
                if self._ready:
                    self._away = time.monotonic()
                    yield self._ready.popleft()
                elif self._response is None:
                    self._connect()
                else:
                    # Counted while it reads: closing the client ends a read that waits.
                    call = self._state.life.enter(self._wake, awaited=False)
                    try:
                        self._pull()
                    except Exception as exc:  # noqa: BLE001 - the core decides: retry or raise
                        self._connect(self._pause(exc))  # reopened, skipping what was sent
                    finally:
                        self._state.life.leave(call)
        finally:
            self.close()

    def __iter__(self) -> Iterator[bytes]:
        if self._pieces is None:
            self._pieces = self._generate()
        return self._pieces

    def __next__(self) -> bytes:
        return next(iter(self))

    def close(self) -> None:
        """Close the answer (leaving the rest of the content unread); the stream is done.

        It may be called from another thread than the one reading: a retry's pause there
        ends at once with no new attempt, and the stream hands out nothing more.
        """
        self._closed = self._ended = True
        self._wake.set()
        self._ready.clear()
        self._drop()

    def __del__(self) -> None:
        # An opened stream dropped unread would keep its connection from the pool.
        response = getattr(self, "_response", None)
        if response is not None:
            response.close()

    def __enter__(self) -> OutputStream:
        return self.open()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class _Wake(threading.Event):
    """A stream's wake-up: setting it also ends a read another thread waits in on its socket.

    Closing a socket does not wake such a read on Linux; the answer is unfinished, so its
    connection is not going back to the pool anyway.
    """

    def __init__(self, stream: OutputStream) -> None:
        super().__init__()
        self._stream = weakref.ref(stream)  # no cycle: a dropped stream is freed at once

    def set(self) -> None:
        super().set()
        stream = self._stream()
        response = stream._response if stream is not None else None
        if response is None or response.is_closed or response.http_version != "HTTP/1.1":
            return  # read to its end (the connection may serve another request), or shared
        network = response.extensions.get("network_stream")
        sock = network.get_extra_info("socket") if network is not None else None
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class AsyncOutputStream(StreamCore):
    """The async :class:`OutputStream`: ``await stream.open()``, ``async with``, ``async for``.

    It may be opened in one task and read in another of the same event loop (a handler
    that opens it, and Starlette's ``StreamingResponse`` that reads it).
    """

    _client = "AsyncGenerio"

    def __init__(self, driver: AsyncDriver, flow_id: str, asset_id: str) -> None:
        super().__init__(driver, flow_id, asset_id)
        self._driver = driver
        self._http: httpx.AsyncClient = driver.http
        self._scope: anyio.CancelScope | None = None  # of the pauses: closing cancels it
        self._chunks: AsyncIterator[bytes] | None = None
        self._pieces: AsyncGenerator[bytes, None] | None = None

    async def open(self) -> AsyncOutputStream:
        """Send the request and read until the MIME type is known; return the stream.

        Raises:
            ClientClosedError: the client was closed.
            WrongEventLoopError: the client belongs to another event loop.
            APIError: as :class:`OutputStream` says; nothing was handed out yet.
        """
        if self._response is None and not self._ended:
            await self._connect()
            self._away = time.monotonic()
        return self

    async def _connect(self, pause: float = 0.0) -> None:
        """Open the answer, after ``pause`` and with retries; closing cancels a pause."""
        import anyio

        life = self._state.life
        with anyio.CancelScope() as self._scope:
            call = life.enter(awaited=False)
            call.scope = self._scope  # closing the client cancels it
            try:
                while True:
                    if pause:
                        await anyio.sleep(pause)
                    if self._ended:
                        return  # closed by another task meanwhile
                    self._driver.check_usable()
                    try:
                        await self._attempt()
                    except Exception as exc:  # noqa: BLE001 - the core decides: retry or raise
                        pause = await self._pause(exc)
                    except BaseException:
                        await self._drop()
                        raise
                    else:
                        return
            finally:
                life.leave(call)
                self._scope = None
        if not self._ended:  # the scope was cancelled by closing the client
            await self.aclose()
            raise ClientClosedError(self._client, in_flight=True)

    async def _attempt(self) -> None:
        request = self._request(self._http)
        self._response = response = await self._http.send(request, stream=True)
        if self._ended:  # closed by another task while the request was sent
            await self._drop()
            return
        if not response.is_success:
            await response.aread()
        self._begin(response)
        self._chunks = response.aiter_bytes()
        while self.mime_type is None and await self._pull():
            pass  # the MIME type is known once open: read the head of the body

    async def _pull(self) -> bool:
        assert self._chunks is not None  # noqa: S101 - set by _attempt
        if self._feed(await anext(self._chunks, None)):
            return True
        await self._drop()
        return False

    async def _pause(self, exc: Exception) -> float:
        """Drop the answer; the seconds before the next attempt, or the final error."""
        await self._drop()
        try:
            pause: float = self._failed(exc)
        except BaseException:
            await self.aclose()  # a stream that failed is done
            raise
        return pause

    async def _drop(self) -> None:
        import anyio

        response, self._response, self._chunks = self._response, None, None
        if response is not None:
            with anyio.CancelScope(shield=True):  # a cancelled task still frees the connection
                await response.aclose()

    async def _generate(self) -> AsyncGenerator[bytes, None]:
        try:
            while not self._closed and (self._ready or not self._ended):
                self._back()
                if self._ready:
                    self._away = time.monotonic()
                    yield self._ready.popleft()
                elif self._response is None:
                    await self._connect()
                else:
                    try:
                        await self._pull()
                    except Exception as exc:  # noqa: BLE001 - the core decides: retry or raise
                        await self._connect(await self._pause(exc))  # reopened, skipping
        finally:
            await self.aclose()

    def __aiter__(self) -> AsyncIterator[bytes]:
        if self._pieces is None:
            self._pieces = self._generate()
        return self._pieces

    async def __anext__(self) -> bytes:
        return await self.__aiter__().__anext__()

    async def aclose(self) -> None:
        """Close the answer (leaving the rest of the content unread); the stream is done.

        It may be called from another task than the one reading: a retry's pause there
        ends at once with no new attempt, and the stream hands out nothing more.
        """
        self._closed = self._ended = True
        if self._scope is not None:
            self._scope.cancel()
        self._ready.clear()
        await self._drop()

    async def __aenter__(self) -> AsyncOutputStream:
        return await self.open()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
