"""The one retry policy of generio, pure and shared by the clients' ``send()`` and the jobs.

``send()`` repeats only what is safe to repeat (a POST only when it never reached the
server); an ambiguous POST is the jobs' to decide (``_jobs/retries.py``, ``create.py``).
"""

from __future__ import annotations

import os
import random
import time

import attrs
import httpx

from generio._errors import ResponseTooLargeError, ServerError

#: Statuses that say "try again": the request was not (or not fully) handled.
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
#: Methods whose repetition has no extra effect on the Flows API (PATCH start/abort and
#: DELETE are made idempotent in effect by the facade; see ``_jobs/calls.py``).
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})
#: First backoff ceiling in seconds; doubles with every retry.
BACKOFF_BASE = 0.5
#: Largest backoff ceiling in seconds.
BACKOFF_MAX = 8.0
#: Longest ``Retry-After`` we honour in seconds; a longer hint is cut to this.
RETRY_AFTER_MAX = 30.0

# Failures that happen before a single byte of the request left this machine.
_UNSENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Transport failures worth another attempt (a bad URL or protocol is not).
_TRANSIENT = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)

#: ``1`` (``true``, ``yes``, ``on``) starts a process as if inside ``testing.no_delays()``,
#: for an application run as a child against the emulator; clients then refuse any base URL
#: not on loopback, so it can never reach the real service without backoff.
NO_DELAYS_ENV = "GENERIO_NO_DELAYS"
#: Seconds between polls when :data:`NO_DELAYS_ENV` is on (``no_delays()``'s default).
ENV_POLL_INTERVAL = 0.02
#: Whether :data:`NO_DELAYS_ENV` switched the delays off when generio was imported.
SET_BY_ENVIRONMENT = os.environ.get(NO_DELAYS_ENV, "").strip().lower() in {"1", "true", "yes", "on"}
_delays_disabled = SET_BY_ENVIRONMENT
_test_poll_interval = ENV_POLL_INTERVAL if SET_BY_ENVIRONMENT else 0.0


def jitter() -> float:
    """Return a uniform random number in [0, 1): generio's only randomness, patchable."""
    return random.random()  # noqa: S311 - jitter, not cryptography


def set_delays_disabled(disabled: bool) -> bool:
    """Switch every retry and poll delay to zero (``generio.testing.no_delays``)."""
    global _delays_disabled
    previous, _delays_disabled = _delays_disabled, disabled
    return previous


def set_test_poll_interval(seconds: float) -> float:
    """Set the poll interval used while delays are disabled; return the previous one."""
    global _test_poll_interval
    previous, _test_poll_interval = _test_poll_interval, seconds
    return previous


def test_poll_interval() -> float:
    return _test_poll_interval


def delays_disabled() -> bool:
    return _delays_disabled


def is_unsent(error: BaseException) -> bool:
    """Whether a transport failure provably happened before the request was sent."""
    return isinstance(error, _UNSENT)


def should_retry(method: str, outcome: int | BaseException, attempt: int, max_retries: int) -> bool:
    if attempt >= max_retries:
        return False
    idempotent = method.upper() in IDEMPOTENT_METHODS
    if isinstance(outcome, int):
        # A 429 means the service refused before doing anything; anything else may have
        # been half done, which only the facade can check for a POST.
        return outcome in RETRY_STATUSES and (idempotent or outcome == 429)
    return isinstance(outcome, _TRANSIENT) and (idempotent or is_unsent(outcome))


def rereads_unreadable(method: str, error: BaseException, budget: Budget) -> bool:
    """Whether to repeat a call whose successful answer could not be read."""
    return (
        isinstance(error, ServerError)
        and not isinstance(error, ResponseTooLargeError)  # the same answer would come again
        and 200 <= error.status_code < 300
        and method.upper() in IDEMPOTENT_METHODS
        and not budget.exhausted
    )


def delay(attempt: int, retry_after: float | None = None) -> float:
    """Seconds to wait before retry number ``attempt`` (1 for the first retry)."""
    if _delays_disabled:
        return 0.0
    if retry_after is not None:
        return min(max(retry_after, 0.0), RETRY_AFTER_MAX)
    ceiling: float = min(BACKOFF_MAX, BACKOFF_BASE * 2.0 ** max(attempt - 1, 0))
    return ceiling * jitter()


@attrs.define
class Budget:
    """The retries left to one logical call, shared by ``send()`` and the jobs."""

    max_retries: int
    used: int = 0
    deadline: float | None = None

    def left(self) -> float | None:
        """Seconds left before the deadline (None: no deadline; never below zero)."""
        return None if self.deadline is None else max(self.deadline - time.monotonic(), 0.0)

    @property
    def retried(self) -> bool:
        """Whether any attempt of this call was repeated (then a 409 or 404 may be ours)."""
        return self.used > 0

    def allows(self, method: str, outcome: int | BaseException) -> bool:
        """Whether the policy and the remaining budget allow another attempt."""
        return should_retry(method, outcome, self.used, self.max_retries)

    def take(self) -> int:
        """Spend one retry; returns its number (1 for the first), for :func:`delay`."""
        self.used += 1
        return self.used

    @property
    def exhausted(self) -> bool:
        return self.used >= self.max_retries


#: The key of a request's httpx ``extensions`` that carries its :class:`Budget`.
BUDGET_EXTENSION = "generio_budget"


def budget_of(request: httpx.Request) -> Budget | None:
    """Return the budget the facade attached to ``request`` (a low-level call has none)."""
    budget = request.extensions.get(BUDGET_EXTENSION)
    return budget if isinstance(budget, Budget) else None
