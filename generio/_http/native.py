"""httpcore's network backend spoken to asyncio directly, for the pools generio makes.

httpcore's anyio backend costs about a third of an async batch's event-loop time (a cancel
scope per read and write, a ``getpeername`` per idle-connection check). Here a protocol keeps
each connection's bytes, so a read with bytes returns at once, a timeout is one timer, and
a closed idle connection is known without a system call. Other loops (trio) keep the pool's own.
"""

# ruff: noqa: ASYNC109 - httpcore's interface takes timeout= on each call

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from collections.abc import Iterable
from typing import Any, cast

import httpcore
import httpx
import sniffio

#: Bytes kept unread per connection before the socket stops being read (the server waits).
_HIGH_WATER = 256 * 1024
#: ... and below which it is read again.
_LOW_WATER = 64 * 1024


class _Connection(asyncio.Protocol):
    """One connection's state, fed by the event loop: unread bytes, end, flow control."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.chunks: deque[bytes] = deque()
        self.offset = 0  # bytes of chunks[0] already read
        self.size = 0  # bytes not yet read
        self.ended = False  # the server sent its end, or the connection is gone
        self.error: BaseException | None = None  # why the connection was lost, if not cleanly
        self.reading_paused = self.writing_paused = False
        # What a read waiting for bytes awaits, and a write waiting for room (HTTP/2: both).
        self.reader: asyncio.Future[bool] | None = None
        self.writer: asyncio.Future[bool] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's are not subclasses

    def data_received(self, data: bytes) -> None:
        """Keep the bytes; stop reading the socket once enough wait unread."""
        self.chunks.append(data)
        self.size += len(data)
        if self.size >= _HIGH_WATER and not self.reading_paused and self.transport is not None:
            self.reading_paused = True
            self.transport.pause_reading()
        _wake(self.reader)

    def eof_received(self) -> None:
        """Note the server's end: reads return what is left, then ``b""``."""
        self.ended = True
        _wake(self.reader)

    def connection_lost(self, exc: Exception | None) -> None:
        self.ended, self.error, self.writing_paused = True, exc, False
        _wake(self.reader)
        _wake(self.writer)

    def pause_writing(self) -> None:
        self.writing_paused = True

    def resume_writing(self) -> None:
        self.writing_paused = False
        _wake(self.writer)

    def take(self, max_bytes: int) -> bytes:
        """Return up to ``max_bytes`` of the unread bytes (there are some)."""
        chunk, start = self.chunks[0], self.offset
        if start == 0 and len(chunk) <= max_bytes:
            self.chunks.popleft()
            piece = chunk
        else:
            piece = chunk[start : start + max_bytes]
            if start + len(piece) == len(chunk):
                self.chunks.popleft()
                self.offset = 0
            else:
                self.offset = start + len(piece)
        self.size -= len(piece)
        if self.reading_paused and self.size <= _LOW_WATER and self.transport is not None:
            self.reading_paused = False
            self.transport.resume_reading()
        return piece


def _wake(waiter: asyncio.Future[bool] | None, changed: bool = True) -> None:
    """Tell a waiting read or write that the connection changed (False: its time is up)."""
    if waiter is not None and not waiter.done():
        waiter.set_result(changed)


class NativeStream(httpcore.AsyncNetworkStream):
    """One connection, read and written through its asyncio transport."""

    def __init__(self, transport: asyncio.Transport, connection: _Connection) -> None:
        self._transport, self._connection, self._closed = transport, connection, False
        self._loop = asyncio.get_running_loop()

    async def _wait(self, timeout: float | None, slot: str) -> bool:
        """Wait until the connection changes; False if ``timeout`` passed first."""
        waiter: asyncio.Future[bool] = self._loop.create_future()
        setattr(self._connection, slot, waiter)
        timer = None if timeout is None else self._loop.call_later(timeout, _wake, waiter, False)
        try:
            return await waiter
        finally:
            setattr(self._connection, slot, None)
            if timer is not None:
                timer.cancel()

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        """Return the next bytes, or ``b""`` once the server ended the connection."""
        connection = self._connection
        while not connection.size and not connection.ended and not self._closed:
            if not await self._wait(timeout, "reader"):
                raise httpcore.ReadTimeout(f"no bytes arrived within {timeout} s")
        if self._closed:
            raise httpcore.ReadError("the connection was closed")
        if connection.size:
            return connection.take(max_bytes)
        if connection.error is not None:
            raise httpcore.ReadError(str(connection.error) or type(connection.error).__name__)
        return b""

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        """Hand ``buffer`` to the transport; wait only while its buffer is full."""
        if not buffer:
            return
        connection = self._connection
        if self._closed or self._transport.is_closing():
            raise httpcore.WriteError(str(connection.error or "the connection is closed"))
        self._transport.write(buffer)
        while connection.writing_paused and not self._closed:
            if not await self._wait(timeout, "writer"):
                raise httpcore.WriteTimeout(f"the server took nothing within {timeout} s")
        if self._closed or connection.error is not None:
            raise httpcore.WriteError(str(connection.error or "the connection was closed"))

    async def aclose(self) -> None:
        """Close the connection; its socket is closed when this returns.

        No TLS ``close_notify`` (nor does anyio's backend) and buffered bytes are dropped:
        httpcore closes only connections it will not use again.
        """
        if self._closed:
            return
        self._closed = True
        _wake(self._connection.reader)
        _wake(self._connection.writer)
        self._transport.abort()
        await asyncio.sleep(0)  # the loop closes the socket on its next turn

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Return a stream speaking TLS over this one (HTTPS, and tunnels through a proxy)."""
        connection = self._connection
        try:
            async with asyncio.timeout(timeout):
                transport = await self._loop.start_tls(
                    self._transport, connection, ssl_context, server_hostname=server_hostname
                )
        except TimeoutError:
            await self.aclose()
            raise httpcore.ConnectTimeout(f"the TLS handshake took over {timeout} s") from None
        except (OSError, EOFError) as exc:  # ssl.SSLError is an OSError
            await self.aclose()
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        if transport is None:  # the connection was closed during the handshake
            await self.aclose()
            raise httpcore.ConnectError("the connection closed during the TLS handshake")
        connection.transport = transport
        connection.reading_paused = False  # start_tls reads the socket again
        return NativeStream(transport, connection)

    def get_extra_info(self, info: str) -> Any:
        """Answer httpcore's questions about the connection from the transport's own record."""
        if info == "is_readable":  # asked of each idle connection before it is reused
            return self._connection.ended or self._connection.size > 0
        name = _EXTRA_INFO.get(info)
        return None if name is None else self._transport.get_extra_info(name)


#: httpcore's names of what ``get_extra_info`` answers -> asyncio's.
_EXTRA_INFO = {
    "ssl_object": "ssl_object",
    "client_addr": "sockname",
    "server_addr": "peername",
    "socket": "socket",
}


def _on_asyncio() -> bool:
    try:
        return sniffio.current_async_library() == "asyncio"
    except sniffio.AsyncLibraryNotFoundError:
        return False


class NativeBackend(httpcore.AsyncNetworkBackend):
    """Connects with asyncio's transports on asyncio; hands other loops to ``fallback``."""

    def __init__(self, fallback: httpcore.AsyncNetworkBackend) -> None:
        self.fallback = fallback

    async def _connected(
        self, opening: Any, timeout: float | None, options: Iterable[Any] | None
    ) -> NativeStream:
        transport: Any = None
        try:
            async with asyncio.timeout(timeout):
                transport, connection = await opening
            for option in options or ():  # as httpcore's own backends set them
                transport.get_extra_info("socket").setsockopt(*option)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"no connection within {timeout} s") from None
        except OSError as exc:
            if transport is not None:
                transport.abort()
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        return NativeStream(transport, connection)

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Open a TCP connection (every address the name has, one after the other)."""
        if not _on_asyncio():
            return await self.fallback.connect_tcp(
                host,
                port,
                timeout=timeout,
                local_address=local_address,
                socket_options=socket_options,
            )
        # The name's addresses in turn, as the sync client's socket.create_connection: asyncio's
        # happy eyeballs (3.11) leaves a connected socket unclosed when the connect is cancelled.
        local = None if local_address is None else (local_address, 0)
        loop = asyncio.get_running_loop()
        opening = loop.create_connection(_Connection, host, port, local_addr=local)
        return await self._connected(opening, timeout, socket_options)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if not _on_asyncio():
            return await self.fallback.connect_unix_socket(
                path, timeout=timeout, socket_options=socket_options
            )
        opening = asyncio.get_running_loop().create_unix_connection(_Connection, path)
        return await self._connected(opening, timeout, socket_options)

    async def sleep(self, seconds: float) -> None:
        """Sleep between httpcore's connection retries."""
        await (asyncio.sleep(seconds) if _on_asyncio() else self.fallback.sleep(seconds))


def install(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """Give the pools of ``client`` (one generio made) the native backend; return ``client``.

    httpx makes one httpcore pool per transport (direct, one per proxy) and lets no backend be
    chosen, so each is replaced before its first connection: httpx's ``_transport``, ``_mounts``,
    ``_pool`` and httpcore's ``_network_backend`` (httpx 0.24-0.28, httpcore 0.17-1.0, both
    ends tested). Where one is missing the pool keeps anyio.
    """
    mounts = getattr(client, "_mounts", None) or {}
    for transport in [getattr(client, "_transport", None), *mounts.values()]:
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if isinstance(backend, httpcore.AsyncNetworkBackend) and not isinstance(
            backend, NativeBackend
        ):
            pool._network_backend = NativeBackend(backend)  # type: ignore[union-attr]
    return client
