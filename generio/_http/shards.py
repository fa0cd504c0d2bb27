"""Several small connection pools in place of one large one: the request's cost stays flat.

httpcore's pool walks every connection it holds, checking whether each is idle or was
closed by the server (a ``poll`` per idle connection), whenever a request starts or ends;
with 100 connections and a batch of 200 jobs, that walk was most of the client's CPU.
Requests here go to the least busy of :data:`SHARDS` pools of ``max_connections /
SHARDS`` connections each: the same number of connections in all, a walk many times
shorter. A request counts as busy until its response is closed (a download: once read).
A pool is made when first needed (a client that sends one request at a time has one), and
all share one TLS context: making one loads the CA certificates, tens of milliseconds and
a megabyte or more each.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Generic, TypeVar

import httpx

__all__ = ["SHARDS", "AsyncShards", "Shards", "shard_limits", "shared_tls"]

T = TypeVar("T")

#: How many pools share the connections.
SHARDS = 25


def shard_limits(limits: httpx.Limits, shards: int = SHARDS) -> httpx.Limits:
    """Return the limits of one pool: ``shards`` of them hold what ``limits`` allows."""
    total = limits.max_connections or 100
    idle = limits.max_keepalive_connections or total
    return httpx.Limits(
        max_connections=max(1, total // shards),
        max_keepalive_connections=max(1, idle // shards),
        keepalive_expiry=limits.keepalive_expiry,
    )


def shared_tls() -> ssl.SSLContext:
    """One TLS context as httpx makes by default (certifi's CAs, ``SSL_CERT_FILE``...)."""
    return httpx.create_ssl_context()


class _Load:
    """Requests in flight per pool; the least busy pool takes the next request."""

    def __init__(self, size: int) -> None:
        self._busy = [0] * size
        self._lock = threading.Lock()

    def take(self) -> int:
        with self._lock:
            index = self._busy.index(min(self._busy))
            self._busy[index] += 1
            return index

    def give(self, index: int) -> None:
        with self._lock:
            self._busy[index] -= 1


class _Stream(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream, done: Callable[[], None]) -> None:
        self._inner = inner
        self._done: Callable[[], None] | None = done

    def __iter__(self) -> Iterator[bytes]:
        yield from self._inner

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            done, self._done = self._done, None
            if done is not None:
                done()


class _AsyncStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, done: Callable[[], None]) -> None:
        self._inner = inner
        self._done: Callable[[], None] | None = done

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            done, self._done = self._done, None
            if done is not None:
                done()


class _Pools(Generic[T]):
    """Pools made on first use, each by ``make``."""

    def __init__(self, make: Callable[[], T], shards: int) -> None:
        self._make = make
        self._pools: list[T | None] = [None] * shards
        self._lock = threading.Lock()

    def __getitem__(self, index: int) -> T:
        pool = self._pools[index]
        if pool is None:
            with self._lock:
                pool = self._pools[index]
                if pool is None:
                    pool = self._pools[index] = self._make()
        return pool

    def made(self) -> list[T]:
        with self._lock:
            return [pool for pool in self._pools if pool is not None]


class Shards(httpx.BaseTransport):
    """Send each request through the least busy of several pools (blocking clients)."""

    def __init__(self, make: Callable[[], httpx.BaseTransport], shards: int = SHARDS) -> None:
        self._pools = _Pools(make, shards)
        self._load = _Load(shards)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send through one pool; the pool counts as busy until the response is closed."""
        index = self._load.take()
        try:
            response = self._pools[index].handle_request(request)
        except BaseException:
            self._load.give(index)
            raise
        assert isinstance(response.stream, httpx.SyncByteStream)  # noqa: S101 - a transport's
        response.stream = _Stream(response.stream, lambda: self._load.give(index))
        return response

    def close(self) -> None:
        """Close every pool."""
        for pool in self._pools.made():
            pool.close()


class AsyncShards(httpx.AsyncBaseTransport):
    """Send each request through the least busy of several pools (async clients)."""

    def __init__(self, make: Callable[[], httpx.AsyncBaseTransport], shards: int = SHARDS) -> None:
        self._pools = _Pools(make, shards)
        self._load = _Load(shards)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send through one pool; the pool counts as busy until the response is closed."""
        index = self._load.take()
        try:
            response = await self._pools[index].handle_async_request(request)
        except BaseException:
            self._load.give(index)
            raise
        assert isinstance(response.stream, httpx.AsyncByteStream)  # noqa: S101 - a transport's
        response.stream = _AsyncStream(response.stream, lambda: self._load.give(index))
        return response

    async def aclose(self) -> None:
        """Close every pool."""
        for pool in self._pools.made():
            await pool.aclose()
