"""Every retry a job makes, decided here and nowhere else.

The transports (``generio._http.retrying``) retry what is safe at the HTTP level, by the
policy of ``generio._http.policy``. What they cannot see is decided by the jobs, through the
helpers below, drawing on the same :class:`~generio._http.policy.Budget`:

* :func:`call`: a 2xx whose body could not be read (JSON cut short) looked like a success to
  the transport; an idempotent call is repeated, a POST's goes to the job to reconcile.
* :func:`retry_post`: a POST that provably did nothing (reconciliation found no trace of it).
* :func:`retry_download`: a download that broke off, unless it broke on one of our limits.
* :func:`poll_pause`: how long a wait backs off after a poll failed (a wait never gives up
  on a paid flow for a failed poll, so this spends no budget).

Each yields the backoff as a :class:`~generio._jobs.effects.Sleep` or raises the failure.
"""

from __future__ import annotations

import logging
from collections.abc import Generator
from typing import Any, TypeVar

from generio._errors import (
    APIStatusError,
    DownloadTimeoutError,
    RateLimitError,
    ResponseTooLargeError,
    ServerError,
)
from generio._http.operations import Operation
from generio._http.policy import Budget, delay, rereads_unreadable
from generio._jobs.effects import Call, Sleep

__all__ = ["call", "poll_pause", "retry_download", "retry_post"]

T = TypeVar("T")
logger = logging.getLogger("generio")


def call(op: Operation[T], budget: Budget) -> Generator[Call[T] | Sleep, Any, T]:
    """Make one API call within ``budget``; the result comes back typed.

    Use as ``result = yield from call(op, budget)``.

    Raises:
        APIError: what the last attempt met; an unreadable 2xx only once an idempotent
            call's budget is spent (at once for a POST, whose job reconciles).
    """
    while True:
        try:
            result: T = yield Call(op, budget)
        except ServerError as exc:
            if not rereads_unreadable(op.method, exc, budget):
                raise
            wait = delay(budget.take())
            logger.debug(
                "retrying %s %s in %.2fs: its answer could not be read (retry %d of %d)",
                op.method,
                op.path,
                wait,
                budget.used,
                budget.max_retries,
            )
            yield Sleep(wait)
            continue
        return result


def retry_post(budget: Budget, failure: Exception) -> Generator[Sleep, Any, None]:
    """Wait before repeating a POST that provably did nothing, or give up.

    A ``Retry-After`` the failure carried (a 429, or a 503 that says when) is honoured, as
    the transports honour it for every other retry.

    Raises:
        Exception: ``failure``, when the budget is spent.
    """
    if budget.exhausted:
        raise failure
    retry_after = failure.retry_after if isinstance(failure, APIStatusError) else None
    yield Sleep(delay(budget.take(), retry_after))


def retry_download(budget: Budget, failure: Exception) -> Generator[Sleep, Any, None]:
    """Wait before starting a broken download again from scratch, or give up.

    Raises:
        Exception: ``failure``, when the budget is spent or the download met a limit of
            ours (a new attempt would only meet it again).
    """
    if budget.exhausted or isinstance(failure, ResponseTooLargeError | DownloadTimeoutError):
        raise failure
    yield Sleep(delay(budget.take()))


def poll_pause(failures: int, error: Exception) -> float:
    """Seconds before the next poll after ``failures`` failed ones in a row."""
    retry_after = error.retry_after if isinstance(error, RateLimitError) else None
    return delay(min(failures, 8), retry_after)
