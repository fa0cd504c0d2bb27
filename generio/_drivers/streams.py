"""One output streamed as decoded bytes: ``flows.stream_output`` of both clients (the I/O)."""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterator
from types import TracebackType
from typing import TYPE_CHECKING

import httpx

from generio._drivers.stream_core import StreamCore
from generio._errors import ClientClosedError

if TYPE_CHECKING:
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
    off. The content may grow to ``max_download_bytes``.

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
        return self

    def _connect(self) -> None:
        while True:
            if self._http.is_closed:
                raise ClientClosedError("Generio")
            try:
                return self._attempt()
            except Exception as exc:  # noqa: BLE001 - the core decides: retry or raise
                time.sleep(self._pause(exc))
            except BaseException:
                self._drop()
                raise

    def _attempt(self) -> None:
        self._response = response = self._http.send(self._request(self._http), stream=True)
        if not response.is_success:
            response.read()
        self._begin(response)
        self._chunks = response.iter_bytes()
        while self.mime_type is None and self._pull():
            pass  # the MIME type is known once open: read the head of the body

    def _pull(self) -> bool:
        """Read one chunk of the body into the ready pieces; False at its end."""
        assert self._chunks is not None  # noqa: S101 - set by _attempt
        if self._feed(next(self._chunks, None)):
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
            while self._ready or not self._ended:
                if self._ready:
                    yield self._ready.popleft()
                elif self._response is None:
                    self._connect()
                else:
                    try:
                        self._pull()
                    except Exception as exc:  # noqa: BLE001 - the core decides: retry or raise
                        time.sleep(self._pause(exc))  # then reopened, skipping what was sent
        finally:
            self.close()

    def __iter__(self) -> Iterator[bytes]:
        if self._pieces is None:
            self._pieces = self._generate()
        return self._pieces

    def __next__(self) -> bytes:
        return next(iter(self))

    def close(self) -> None:
        """Close the answer (leaving the rest of the content unread); the stream is done."""
        self._ended = True
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


class AsyncOutputStream(StreamCore):
    """The async :class:`OutputStream`: ``await stream.open()``, ``async with``, ``async for``.

    It may be opened in one task and read in another of the same event loop (a handler
    that opens it, and Starlette's ``StreamingResponse`` that reads it).
    """

    def __init__(self, driver: AsyncDriver, flow_id: str, asset_id: str) -> None:
        super().__init__(driver, flow_id, asset_id)
        self._driver = driver
        self._http: httpx.AsyncClient = driver.http
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
        return self

    async def _connect(self) -> None:
        import anyio

        while True:
            self._driver.check_usable()
            try:
                return await self._attempt()
            except Exception as exc:  # noqa: BLE001 - the core decides: retry or raise
                await anyio.sleep(await self._pause(exc))
            except BaseException:
                await self._drop()
                raise

    async def _attempt(self) -> None:
        request = self._request(self._http)
        self._response = response = await self._http.send(request, stream=True)
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
        import anyio

        try:
            while self._ready or not self._ended:
                if self._ready:
                    yield self._ready.popleft()
                elif self._response is None:
                    await self._connect()
                else:
                    try:
                        await self._pull()
                    except Exception as exc:  # noqa: BLE001 - the core decides: retry or raise
                        await anyio.sleep(await self._pause(exc))  # then reopened, skipping
        finally:
            await self.aclose()

    def __aiter__(self) -> AsyncIterator[bytes]:
        if self._pieces is None:
            self._pieces = self._generate()
        return self._pieces

    async def __anext__(self) -> bytes:
        return await self.__aiter__().__anext__()

    async def aclose(self) -> None:
        """Close the answer (leaving the rest of the content unread); the stream is done."""
        self._ended = True
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
