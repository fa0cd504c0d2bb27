"""httpx transports that retry, log and keep the last response; sync and async.

The retry policy is :mod:`generio._http.policy`; this module only applies it around a real
transport, so the generated low-level client gets exactly the retries the facade gets. The
bookkeeping of one attempt (classify, log, decide, wait how long) is :class:`_Attempts`,
shared by both transports; what remains per side is the I/O: send, close, sleep.

What one logical call attaches to its requests (its retry budget, its body limit, the box
that keeps its answers for error messages) travels in the request's httpx ``extensions``
(:func:`tags`), never in a context variable: a stream opened in one thread or task can be
read in another (a web framework's thread pool, a task group).
"""

from __future__ import annotations

import logging
import time
from typing import Any

import httpx

from generio._http.bounded import LIMIT_EXTENSION, Limit, bound
from generio._http.policy import BUDGET_EXTENSION, Budget, budget_of, delay
from generio._payload.error_body import parse_retry_after

__all__ = [
    "CAPTURE_EXTENSION",
    "AsyncClientTransport",
    "AsyncRetryTransport",
    "ClientTransport",
    "RetryTransport",
    "async_capture_hook",
    "capture_hook",
    "tags",
]

logger = logging.getLogger("generio")


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
        retry_after = None
        if isinstance(outcome, httpx.Response):
            status: int | Exception = outcome.status_code
            retry_after = parse_retry_after(outcome.headers.get("retry-after"))
            logger.debug(
                "%s %s -> %d in %.3fs (attempt %d)",
                self.method,
                self.path,
                outcome.status_code,
                elapsed,
                attempt,
            )
        else:
            status = outcome
            logger.debug(
                "%s %s -> %s in %.3fs (attempt %d)",
                self.method,
                self.path,
                type(outcome).__name__,
                elapsed,
                attempt,
            )
        if not self.budget.allows(self.method, status):
            return None
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


class RetryTransport(httpx.BaseTransport):
    """Wraps a transport: retries what :mod:`generio._http.policy` allows, logs each attempt.

    A request body must be replayable for a retry: httpx re-iterates ``json=``/``content=``
    bytes, and generio's streamed bodies are re-iterable factories (``_inputs.JsonBody``).

    The answer it returns is bounded (:func:`generio._http.bounded.bound`): decompressed here in
    small pieces and cut off past ``max_response_bytes``.

    Args:
        inner: the transport that does the I/O.
        max_retries: the budget of a request sent outside a facade call (``low_level``).
        max_response_bytes: the largest body read, decompressed, outside a download.
    """

    def __init__(
        self, inner: httpx.BaseTransport, max_retries: int, max_response_bytes: int
    ) -> None:
        self._inner = inner
        self._max_retries = max_retries
        self._limit = Limit(max_response_bytes, "max_response_bytes")

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request``, retrying within the budget."""
        attempts = _Attempts(request, self._max_retries)
        while True:
            attempts.begin(request)
            try:
                response = self._inner.handle_request(request)
            except httpx.TransportError as exc:
                wait = attempts.after(exc)
                if wait is None:
                    raise
                time.sleep(wait)
                continue
            wait = attempts.after(response)
            if wait is None:
                return bound(request, response, self._limit)
            response.close()
            time.sleep(wait)

    def close(self) -> None:
        """Close the inner transport."""
        self._inner.close()


class AsyncRetryTransport(httpx.AsyncBaseTransport):
    """The async :class:`RetryTransport`; sleeps without blocking the event loop."""

    def __init__(
        self, inner: httpx.AsyncBaseTransport, max_retries: int, max_response_bytes: int
    ) -> None:
        self._inner = inner
        self._max_retries = max_retries
        self._limit = Limit(max_response_bytes, "max_response_bytes")

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request``, retrying within the budget."""
        import anyio  # httpx depends on anyio; imported here to keep `import generio` light

        attempts = _Attempts(request, self._max_retries)
        while True:
            attempts.begin(request)
            try:
                response = await self._inner.handle_async_request(request)
            except httpx.TransportError as exc:
                wait = attempts.after(exc)
                if wait is None:
                    raise
                await anyio.sleep(wait)
                continue
            wait = attempts.after(response)
            if wait is None:
                return bound(request, response, self._limit)
            await response.aclose()
            await anyio.sleep(wait)

    async def aclose(self) -> None:
        """Close the inner transport."""
        await self._inner.aclose()


class ClientTransport(httpx.BaseTransport):
    """Sends through a user's own ``httpx.Client`` (its proxies, TLS, mounts and hooks).

    generio builds its own client around this, so it never mutates the user's: auth, base
    URL, retries, logging and timeouts stay generio's, everything below is the user's.
    """

    def __init__(self, client: httpx.Client) -> None:
        self._client = client

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Hand the request to the user's client, keeping the body streamed."""
        return self._client.send(request, stream=True)

    def close(self) -> None:
        """Leave the user's client open: its owner closes it."""


class AsyncClientTransport(httpx.AsyncBaseTransport):
    """The async :class:`ClientTransport`, over a user's ``httpx.AsyncClient``."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Hand the request to the user's client, keeping the body streamed."""
        return await self._client.send(request, stream=True)

    async def aclose(self) -> None:
        """Leave the user's client open: its owner closes it."""


#: The key of a request's httpx ``extensions`` holding a list that receives its answer.
CAPTURE_EXTENSION = "generio_seen"


def tags(budget: Budget, limit: Limit | None = None) -> tuple[dict[str, Any], list[httpx.Response]]:
    """Return the ``extensions`` of one request of a logical call, and its answer box.

    Args:
        budget: the call's retry budget, shared by the transport and the job.
        limit: the answer's own size limit (a download's), instead of the client's.

    The box receives the final answer (:func:`capture_hook`), so an error built after
    parsing failed can still quote it.
    """
    seen: list[httpx.Response] = []
    extensions: dict[str, Any] = {BUDGET_EXTENSION: budget, CAPTURE_EXTENSION: seen}
    if limit is not None:
        extensions[LIMIT_EXTENSION] = limit
    return extensions, seen


def capture_hook(response: httpx.Response) -> None:
    """Response event hook: put the answer in its request's box, if the request has one.

    The generated client parses inside its own functions and loses the response when
    parsing fails (an HTML 502 page, truncated JSON); the box keeps it for the message.
    """
    box = response.request.extensions.get(CAPTURE_EXTENSION)
    if isinstance(box, list):
        box.append(response)


async def async_capture_hook(response: httpx.Response) -> None:
    """Do what :func:`capture_hook` does, for the async client."""
    capture_hook(response)
