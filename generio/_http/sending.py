"""The httpx clients generio sends through: plain httpx, with retries and bounded answers.

:class:`SendingClient` (:class:`AsyncSendingClient`) is an ``httpx.Client`` that builds
requests as any other (base URL, auth, headers, timeout) and overrides only ``send()``: each
attempt goes through the least busy of the plain pools (``_http/pools.py``: httpx picks the
proxy there), a failure that is safe to repeat is retried as :mod:`generio._http.policy`
says, and the answer is bounded (:func:`generio._http.bounded.bound`) before its body is
read. The facade's requests and ``client.low_level``'s go through the same ``send()``, so
both get the same auth, timeouts, retries and bounds.

A client and its :meth:`~generio.Generio.with_options` copies share the pools; each has
its own ``SendingClient`` carrying its timeout, headers and ``max_retries`` into every
request it builds (a copy costs no connection). Only the client that made the pools closes
them.

What one logical call attaches to its requests (its retry budget, its body limit, the box
that keeps its answer for error messages) travels in the request's httpx ``extensions``
(:func:`tags`), never in a context variable: a stream opened in one thread or task can be
read in another (a web framework's thread pool, a task group).
"""

from __future__ import annotations

import functools
import logging
import time
from typing import Any

import httpx

from generio._http.bounded import LIMIT_EXTENSION, Limit, bound
from generio._http.policy import BUDGET_EXTENSION, Budget, budget_of, delay
from generio._http.pools import AsyncPools, Pools
from generio._payload.error_body import parse_retry_after

__all__ = ["CAPTURE_EXTENSION", "AsyncSendingClient", "SendingClient", "tags"]

logger = logging.getLogger("generio")

#: The key of a request's httpx ``extensions`` holding a list that receives its answer.
CAPTURE_EXTENSION = "generio_seen"


class _Attempts:
    """The state of one request's attempts: which budget, how many, what to log."""

    def __init__(self, request: httpx.Request, max_retries: int) -> None:
        # The facade attaches one budget per logical call to its requests; a bare low-level
        # call gets its own.
        self.budget = budget_of(request) or Budget(max_retries)
        self.method = request.method
        self.path = request.url.path
        self.started = time.monotonic()

    def begin(self, request: httpx.Request) -> None:
        """Note the start of an attempt; cut its timeouts to the call's deadline, if any."""
        self.started = time.monotonic()
        left = self.budget.left()
        if left is not None:
            timeouts = dict(request.extensions.get("timeout") or {})
            for phase in ("connect", "read", "write", "pool"):
                value = timeouts.get(phase)
                timeouts[phase] = max(min(left, value if value is not None else left), 0.001)
            request.extensions["timeout"] = timeouts

    def after(self, outcome: httpx.Response | Exception) -> float | None:
        """Log an attempt's outcome; return the delay before a retry, or None to stop."""
        elapsed = time.monotonic() - self.started
        attempt = self.budget.used + 1
        if isinstance(outcome, httpx.Response):
            status: int | Exception = outcome.status_code
            shown: object = status
        else:
            status, shown = outcome, type(outcome).__name__
        logger.debug(
            "%s %s -> %s in %.3fs (attempt %d)", self.method, self.path, shown, elapsed, attempt
        )
        if not self.budget.allows(self.method, status):
            return None
        retry_after = None  # read only when a retry is possible: most answers are final
        if isinstance(outcome, httpx.Response):
            retry_after = parse_retry_after(outcome.headers.get("retry-after"))
        wait = delay(self.budget.used + 1, retry_after)
        left = self.budget.left()
        if left is not None and wait >= left:
            return None  # the retry could not even start before the call's deadline
        self.budget.take()
        logger.debug(
            "retrying %s %s in %.2fs (retry %d of %d)",
            self.method,
            self.path,
            wait,
            self.budget.used,
            self.budget.max_retries,
        )
        return wait


class _Unused(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """The transport of a sending client, which sends through its pools instead."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Refuse: ``send()`` never comes here."""
        raise RuntimeError("a generio client sends through its pools")

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Refuse: ``send()`` never comes here."""
        raise RuntimeError("a generio client sends through its pools")


_UNUSED = _Unused()


def _pool_options(
    client: httpx.Client | httpx.AsyncClient, request: httpx.Request, auth: Any, follow: Any
) -> dict[str, Any]:
    """Return a pool's ``send()`` arguments: the sending client's auth and redirect policy."""
    if "timeout" not in request.extensions:  # a request built elsewhere
        request.extensions["timeout"] = client.timeout.as_dict()
    return {
        "stream": True,
        "auth": client.auth if auth is httpx.USE_CLIENT_DEFAULT else auth,
        "follow_redirects": client.follow_redirects
        if follow is httpx.USE_CLIENT_DEFAULT
        else follow,
    }


def _keep(request: httpx.Request, response: httpx.Response) -> None:
    """Put the final answer in the request's answer box, if it has one (:func:`tags`)."""
    box = request.extensions.get(CAPTURE_EXTENSION)
    if isinstance(box, list):
        box.append(response)


class SendingClient(httpx.Client):
    """An ``httpx.Client`` whose ``send()`` goes through :class:`Pools`, retrying and bounded.

    Args:
        pools: the plain clients to send through (shared with ``with_options`` copies).
        owner: closing this client closes the pools (the client that made them).
        max_retries: the budget of a request sent outside a facade call (``low_level``).
        max_response_bytes: the largest body read, decompressed, outside a download.
        options: ``httpx.Client``'s own (base URL, auth, headers, timeout...).
    """

    def __init__(
        self,
        pools: Pools,
        *,
        owner: bool,
        max_retries: int,
        max_response_bytes: int,
        **options: Any,
    ) -> None:
        super().__init__(transport=_UNUSED, **options)
        self._pools = pools
        self._owner = owner
        self._max_retries = max_retries
        self._limit = Limit(max_response_bytes, "max_response_bytes")

    def send(
        self,
        request: httpx.Request,
        *,
        stream: bool = False,
        auth: Any = httpx.USE_CLIENT_DEFAULT,
        follow_redirects: Any = httpx.USE_CLIENT_DEFAULT,
    ) -> httpx.Response:
        """Send ``request`` through the least busy pool, retrying within the budget.

        Raises:
            ClientClosedError: the client that made the pools closed them.
            RuntimeError: this client was closed (as httpx says it).
        """
        if self.is_closed:
            raise RuntimeError("Cannot send a request, as the client has been closed.")
        options = _pool_options(self, request, auth, follow_redirects)
        for hook in self.event_hooks["request"]:
            hook(request)
        attempts = _Attempts(request, self._max_retries)
        while True:
            attempts.begin(request)
            pool, index = self._pools.take()
            try:
                response = pool.send(request, **options)
            except httpx.TransportError as exc:
                self._pools.give(index)
                wait = attempts.after(exc)
                if wait is None:
                    raise
                time.sleep(wait)
                continue
            except BaseException:
                self._pools.give(index)
                raise
            bound(request, response, self._limit, functools.partial(self._pools.give, index))
            wait = attempts.after(response)
            if wait is None:
                break
            response.close()
            time.sleep(wait)
        _keep(request, response)
        try:
            for hook in self.event_hooks["response"]:
                hook(response)
            if not stream:
                response.read()
        except BaseException:
            response.close()
            raise
        return response

    def close(self) -> None:
        """Close this client; the one that made the pools closes them too."""
        super().close()
        if self._owner:
            self._pools.close()


class AsyncSendingClient(httpx.AsyncClient):
    """The async :class:`SendingClient`, over :class:`AsyncPools`; sleeps without blocking."""

    def __init__(
        self,
        pools: AsyncPools,
        *,
        owner: bool,
        max_retries: int,
        max_response_bytes: int,
        **options: Any,
    ) -> None:
        super().__init__(transport=_UNUSED, **options)
        self._pools = pools
        self._owner = owner
        self._max_retries = max_retries
        self._limit = Limit(max_response_bytes, "max_response_bytes")

    async def send(
        self,
        request: httpx.Request,
        *,
        stream: bool = False,
        auth: Any = httpx.USE_CLIENT_DEFAULT,
        follow_redirects: Any = httpx.USE_CLIENT_DEFAULT,
    ) -> httpx.Response:
        """Send ``request`` through the least busy pool, retrying within the budget.

        Raises:
            ClientClosedError: the client that made the pools closed them.
            RuntimeError: this client was closed (as httpx says it).
        """
        import anyio  # httpx depends on anyio; imported here to keep `import generio` light

        if self.is_closed:
            raise RuntimeError("Cannot send a request, as the client has been closed.")
        options = _pool_options(self, request, auth, follow_redirects)
        for hook in self.event_hooks["request"]:
            await hook(request)
        attempts = _Attempts(request, self._max_retries)
        while True:
            attempts.begin(request)
            pool, index = self._pools.take()
            try:
                response = await pool.send(request, **options)
            except httpx.TransportError as exc:
                self._pools.give(index)
                wait = attempts.after(exc)
                if wait is None:
                    raise
                await anyio.sleep(wait)
                continue
            except BaseException:
                self._pools.give(index)
                raise
            bound(request, response, self._limit, functools.partial(self._pools.give, index))
            wait = attempts.after(response)
            if wait is None:
                break
            await response.aclose()
            await anyio.sleep(wait)
        _keep(request, response)
        try:
            for hook in self.event_hooks["response"]:
                await hook(response)
            if not stream:
                await response.aread()
        except BaseException:
            await response.aclose()
            raise
        return response

    async def aclose(self) -> None:
        """Close this client; the one that made the pools closes them too."""
        await super().aclose()
        if self._owner:
            await self._pools.aclose()


def tags(budget: Budget, limit: Limit | None = None) -> tuple[dict[str, Any], list[httpx.Response]]:
    """Return the ``extensions`` of one request of a logical call, and its answer box.

    Args:
        budget: the call's retry budget, shared by ``send()`` and the job.
        limit: the answer's own size limit (a download's), instead of the client's.

    The box receives the final answer, so an error built after parsing failed can still
    quote it.
    """
    seen: list[httpx.Response] = []
    extensions: dict[str, Any] = {BUDGET_EXTENSION: budget, CAPTURE_EXTENSION: seen}
    if limit is not None:
        extensions[LIMIT_EXTENSION] = limit
    return extensions, seen
