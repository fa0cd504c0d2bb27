"""The httpx clients generio sends through: plain httpx, with retries and bounded answers.

A call's budget, limit and answer box ride in the request's ``extensions``, never in a context
variable, so a stream opened in one thread or task can be read in another.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any, Generic

import httpx

from generio._errors import ClientClosedError
from generio._http.bounded import LIMIT_EXTENSION, Limit, bound
from generio._http.policy import BUDGET_EXTENSION, Budget, budget_of, delay
from generio._http.pools import AsyncPools, C, Pools, _Pools
from generio._payload.error_body import parse_retry_after

logger = logging.getLogger("generio")

#: The key of a request's httpx ``extensions`` holding a list that receives its answer.
CAPTURE_EXTENSION = "generio_seen"
#: ... and the ``threading.Event`` of its call that ends a retry's pause (``close()``).
WAKE_EXTENSION = "generio_wake"


class PauseCut(Exception):
    """A retry's pause ended by its call's wake-up: the client closing, or a batch stopping."""


def _pause(request: httpx.Request, seconds: float) -> None:
    """Sleep before a retry; a call's wake-up ends it at once (a blocking call has no cancel)."""
    wake = request.extensions.get(WAKE_EXTENSION)
    if wake is None:
        time.sleep(seconds)
    elif wake.wait(seconds):
        raise PauseCut


class _Attempts(Generic[C]):
    """One ``send()``'s attempts: the retry step both clients' loops drive, as only they await."""

    def __init__(
        self, request: httpx.Request, pools: _Pools[C], limit: Limit, max_retries: int
    ) -> None:
        # The facade attaches one budget per logical call; a bare low-level call gets its own.
        self.budget = budget_of(request) or Budget(max_retries)
        self.request, self.limit, self.index = request, limit, 0
        self.pools: _Pools[C] = pools
        self.started = 0.0  # set by begin(), before each attempt

    def begin(self) -> C:
        """Cut the attempt's timeouts to the call's deadline; lend it the least busy pool."""
        self.started = time.monotonic()
        left = self.budget.left()
        if left is not None:
            timeouts = dict(self.request.extensions.get("timeout") or {})
            for phase in ("connect", "read", "write", "pool"):
                value = timeouts.get(phase)
                timeouts[phase] = max(min(left, value if value is not None else left), 0.001)
            self.request.extensions["timeout"] = timeouts
        pool, self.index = self.pools.take()
        return pool

    def failed(self, exc: BaseException) -> float | None:
        """Give the pool back; the delay before a retry, or None to raise ``exc``."""
        self.pools.give(self.index)
        return self.after(exc) if isinstance(exc, httpx.TransportError) else None

    def answered(self, response: httpx.Response) -> float | None:
        """Bound the answer (its close gives the pool back); the delay before a retry."""
        bound(self.request, response, self.limit, functools.partial(self.pools.give, self.index))
        wait = self.after(response)
        box = self.request.extensions.get(CAPTURE_EXTENSION)  # the answer box of :func:`tags`
        if wait is None and isinstance(box, list):
            box.append(response)
        return wait

    def after(self, outcome: httpx.Response | Exception) -> float | None:
        """Log an attempt's outcome; return the delay before a retry, or None to stop."""
        method, path, budget = self.request.method, self.request.url.path, self.budget
        status = outcome.status_code if isinstance(outcome, httpx.Response) else outcome
        shown = status if isinstance(status, int) else type(status).__name__
        elapsed = time.monotonic() - self.started
        logger.debug(
            "%s %s -> %s in %.3fs (attempt %d)", method, path, shown, elapsed, budget.used + 1
        )
        if not budget.allows(method, status):
            return None
        retry_after = None  # read only when a retry is possible: most answers are final
        if isinstance(outcome, httpx.Response):
            retry_after = parse_retry_after(outcome.headers.get("retry-after"))
        wait = delay(budget.used + 1, retry_after)
        left = budget.left()
        if left is not None and wait >= left:
            return None  # the retry could not even start before the call's deadline
        retry = budget.take()
        logger.debug(
            "retrying %s %s in %.2fs (retry %d of %d)",
            method,
            path,
            wait,
            retry,
            budget.max_retries,
        )
        return wait


class Refusing(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """A transport that must never send: it raises what ``error`` makes."""

    def __init__(self, error: Callable[[], Exception]) -> None:
        self._error = error

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        raise self._error()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise self._error()


#: The transport of a sending client, which sends through its pools instead.
_UNUSED = Refusing(lambda: RuntimeError("a generio client sends through its pools"))


def _start(
    client: SendingClient | AsyncSendingClient, request: httpx.Request, auth: Any, follow: Any
) -> dict[str, Any]:
    """Return a pool's ``send()`` arguments: the sending client's auth and redirect policy."""
    if client.is_closed:
        if client.ended:  # closed with its facade client, not by `with low_level:`
            raise ClientClosedError(client._pools._kind)
        raise RuntimeError("Cannot send a request, as the client has been closed.")
    if "timeout" not in request.extensions:  # a request built elsewhere
        request.extensions["timeout"] = client.timeout.as_dict()
    if auth is httpx.USE_CLIENT_DEFAULT:
        auth = client.auth
    if follow is httpx.USE_CLIENT_DEFAULT:
        follow = client.follow_redirects
    return {"stream": True, "auth": auth, "follow_redirects": follow}


class SendingClient(httpx.Client):
    """An ``httpx.Client`` whose ``send()`` goes through :class:`Pools`, retrying and bounded."""

    def __init__(
        self,
        pools: Pools,
        *,
        owner: bool,
        max_retries: int,
        limit: Limit,
        twin: SendingClient | None = None,
        **options: Any,
    ) -> None:
        super().__init__(transport=_UNUSED, **options)
        self._pools, self._owner, self._max_retries, self._limit = pools, owner, max_retries, limit
        #: The low-level client's own sender (``_http/clients.py``): closed with this one.
        self._twin = twin
        self.ended: bool = False

    def send(
        self,
        request: httpx.Request,
        *,
        stream: bool = False,
        auth: Any = httpx.USE_CLIENT_DEFAULT,
        follow_redirects: Any = httpx.USE_CLIENT_DEFAULT,
    ) -> httpx.Response:
        """Send ``request`` through the least busy pool, retrying within the budget."""
        options = _start(self, request, auth, follow_redirects)
        for hook in self.event_hooks["request"]:
            hook(request)
        attempts = _Attempts(request, self._pools, self._limit, self._max_retries)
        while True:
            pool = attempts.begin()  # outside the try: a pool that was not lent is not given back
            try:
                response = pool.send(request, **options)
            except BaseException as exc:
                if (wait := attempts.failed(exc)) is None:
                    raise
            else:
                if (wait := attempts.answered(response)) is None:
                    break
                response.close()
            _pause(request, wait)
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
        if self._twin is not None:
            self.ended = self._twin.ended = True
            self._twin.close()
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
        limit: Limit,
        twin: AsyncSendingClient | None = None,
        **options: Any,
    ) -> None:
        super().__init__(transport=_UNUSED, **options)
        self._pools, self._owner, self._max_retries, self._limit = pools, owner, max_retries, limit
        self._twin = twin
        self.ended: bool = False

    async def send(
        self,
        request: httpx.Request,
        *,
        stream: bool = False,
        auth: Any = httpx.USE_CLIENT_DEFAULT,
        follow_redirects: Any = httpx.USE_CLIENT_DEFAULT,
    ) -> httpx.Response:
        """Send ``request`` through the least busy pool, retrying within the budget."""
        import anyio  # httpx depends on anyio; imported here to keep `import generio` light

        options = _start(self, request, auth, follow_redirects)
        for hook in self.event_hooks["request"]:
            await hook(request)
        attempts = _Attempts(request, self._pools, self._limit, self._max_retries)
        while True:
            pool = attempts.begin()  # outside the try: a pool that was not lent is not given back
            try:
                response = await pool.send(request, **options)
            except BaseException as exc:
                if (wait := attempts.failed(exc)) is None:
                    raise
            else:
                if (wait := attempts.answered(response)) is None:
                    break
                await response.aclose()
            await anyio.sleep(wait)
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
        if self._twin is not None:
            self.ended = self._twin.ended = True
            await self._twin.aclose()
        if self._owner:
            await self._pools.aclose()


def tags(budget: Budget, limit: Limit | None = None) -> tuple[dict[str, Any], list[httpx.Response]]:
    """Return the ``extensions`` of one request of a logical call, and its answer box."""
    seen: list[httpx.Response] = []
    extensions: dict[str, Any] = {BUDGET_EXTENSION: budget, CAPTURE_EXTENSION: seen}
    if limit is not None:
        extensions[LIMIT_EXTENSION] = limit
    return extensions, seen
