"""Connection pools that never cross ``os.fork()``: the child builds its own.

A forked child inherits its parent's open sockets. If both keep sending on one keep-alive
connection, their requests interleave on the wire and each may read the other's answer (a
GET answered with another request's body). So, as mature SDKs do (redis-py checks the pid
before each use of its pool), every pool generio builds is held by a :class:`ForkSafe`
transport that remembers the process it was built in. In another process (a child), the
inherited pool is set aside, neither used nor closed (closing would shut sockets the
parent still uses), and a fresh one is built on the first request. The parent keeps its
own pool untouched.

Locks fare the same way: a lock held by another thread at the moment of the fork stays held
in the child for ever. Objects with such locks register with :func:`renew_after_fork`;
``os.register_at_fork`` gives each a fresh one in the child.

Your own ``http_client=`` is yours: generio sends through it as it is, so create it (and the
generio client) after the fork, in the process that uses it.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

import httpx

__all__ = ["AsyncForkSafe", "ForkSafe", "fresh_lock", "renew_after_fork"]

T = TypeVar("T", httpx.BaseTransport, httpx.AsyncBaseTransport)


class Renewable(Protocol):
    """Something that must renew its locks in a forked child."""

    def after_fork(self) -> None:
        """Drop what belongs to the parent's threads; called in the child only."""


_RENEW: weakref.WeakValueDictionary[int, Renewable] = weakref.WeakValueDictionary()
#: Pools of a parent, set aside in a child: kept referenced so nothing closes their sockets.
_SET_ASIDE: list[object] = []


def renew_after_fork(owner: Renewable) -> None:
    """Have ``owner.after_fork()`` called in every child forked while it lives."""
    _RENEW[id(owner)] = owner


#: Old lock -> its replacement, during one renewal: objects sharing a lock keep sharing one.
_FRESH: dict[int, threading.Lock] = {}


def fresh_lock(old: object) -> threading.Lock:
    """Return the replacement of ``old`` in a forked child (the same one for every sharer)."""
    lock = _FRESH.get(id(old))
    if lock is None:
        lock = _FRESH[id(old)] = threading.Lock()
    return lock


def _in_child() -> None:
    _FRESH.clear()
    try:
        for owner in list(_RENEW.values()):
            owner.after_fork()
    finally:
        _FRESH.clear()


if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=_in_child)


class _Guard(Generic[T]):
    """The pool of the current process, built again (lazily) in a forked child."""

    def __init__(self, build: Callable[[], T]) -> None:
        self._build: Callable[[], T] = build
        self._inner: T | None = build()
        self._pid = os.getpid()
        self._lock = threading.Lock()
        renew_after_fork(self)

    def after_fork(self) -> None:
        """Take a new lock: the parent's may have been held by one of its threads."""
        self._lock = threading.Lock()

    def current(self) -> T:
        """Return this process's pool, building it on the first use after a fork."""
        inner = self._inner
        if self._pid == os.getpid() and inner is not None:
            return inner
        with self._lock:
            if self._pid != os.getpid():
                if self._inner is not None:
                    _SET_ASIDE.append(self._inner)  # the parent's: never used, never closed
                self._inner = self._build()
                self._pid = os.getpid()
            assert self._inner is not None  # noqa: S101 - built above or in __init__
            return self._inner

    def owned(self) -> T | None:
        """Return the pool to close: None in a child that never built its own."""
        return self._inner if self._pid == os.getpid() else None


class ForkSafe(httpx.BaseTransport):
    """A sync transport (pool) that a forked child replaces with its own.

    Args:
        build: makes the transport (``httpx.HTTPTransport(...)``), now and in a child.
    """

    def __init__(self, build: Callable[[], httpx.BaseTransport]) -> None:
        self._guard = _Guard(build)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send through this process's pool."""
        return self._guard.current().handle_request(request)

    def close(self) -> None:
        """Close this process's pool; a parent's pool inherited by a child stays open."""
        inner = self._guard.owned()
        if inner is not None:
            inner.close()


class AsyncForkSafe(httpx.AsyncBaseTransport):
    """The async :class:`ForkSafe`."""

    def __init__(self, build: Callable[[], httpx.AsyncBaseTransport]) -> None:
        self._guard = _Guard(build)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send through this process's pool."""
        return await self._guard.current().handle_async_request(request)

    async def aclose(self) -> None:
        """Close this process's pool; a parent's pool inherited by a child stays open."""
        inner = self._guard.owned()
        if inner is not None:
            await inner.aclose()
