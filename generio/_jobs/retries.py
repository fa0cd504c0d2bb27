"""Every retry a job makes, decided here and nowhere else."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Generator
from typing import Any, TypeVar

import attrs

from generio._errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    DownloadTimeoutError,
    RateLimitError,
    ResponseTooLargeError,
    ServerError,
)
from generio._http.operations import Operation
from generio._http.policy import (
    RETRY_STATUSES,
    Budget,
    delay,
    delays_disabled,
    rereads_unreadable,
    test_poll_interval,
)
from generio._jobs.effects import Call, Job, Sleep

T = TypeVar("T")
logger = logging.getLogger("generio")


def call(op: Operation[T], budget: Budget) -> Generator[Call[T] | Sleep, Any, T]:
    """Make one API call within ``budget``; the result comes back typed."""
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
    """Wait before repeating a POST that provably did nothing, or give up."""
    if budget.exhausted:
        raise failure
    retry_after = failure.retry_after if isinstance(failure, APIStatusError) else None
    yield Sleep(delay(budget.take(), retry_after))


def is_transient(error: BaseException) -> bool:
    """Whether another attempt may succeed where ``error`` failed."""
    if isinstance(error, ResponseTooLargeError | DownloadTimeoutError):
        return False
    if isinstance(error, APIConnectionError | ServerError):  # ServerError: 5xx, or unreadable
        return True
    return isinstance(error, APIStatusError) and error.status_code in RETRY_STATUSES


@attrs.define
class Patience:
    """How long one fetch of a finished flow's outputs rides out transient failures."""

    seconds: float | None
    deadline: float | None
    failures: int = 0
    last: Exception | None = None

    @classmethod
    def start(cls, seconds: float | None) -> Patience:
        """Return the patience of a fetch that starts now."""
        return cls(seconds, None if seconds is None else time.monotonic() + seconds)


def patience_spent(patience: Patience, failure: Exception) -> DownloadTimeoutError:
    """Return the error of a fetch whose transient failures outlasted ``download_timeout``."""
    path = failure.path if isinstance(failure, APIError) else "?"
    last = str(failure).partition(" What to do: ")[0].rstrip()
    return DownloadTimeoutError(
        f"GET {path}: fetching this output of a finished flow took longer than "
        f"{patience.seconds or 0:g} s, the client's download_timeout, retries included: "
        f"{patience.failures} attempt(s) failed, the last with: {last} What to do: the "
        "outputs stay on the service; fetch them again later (that creates no flow), or "
        "create the client with a longer download_timeout.",
        method="GET",
        path=path,
    )


def ride_out(patience: Patience, failure: Exception) -> Generator[Sleep, Any, None]:
    """Wait before fetching a finished flow's output again, or give up."""
    last = patience.last
    if isinstance(failure, DownloadTimeoutError) and last is not None:
        raise patience_spent(patience, last) from last
    if not is_transient(failure):
        raise failure
    patience.failures += 1
    patience.last = failure
    pause = poll_pause(patience.failures, failure)
    if delays_disabled():
        pause = test_poll_interval()  # a test: steady, never a busy loop
    if patience.deadline is not None:
        left = patience.deadline - time.monotonic()
        if left <= pause:  # no attempt could start, let alone end, before the deadline
            raise patience_spent(patience, failure) from failure
    logger.debug("fetching outputs failed (%s); trying again in %.2fs", failure, pause)
    yield Sleep(pause)


def patiently(patience: Patience, make: Callable[[], Job[T]]) -> Job[T]:
    """Run the job ``make()`` builds; after a transient failure, build and run it again."""
    while True:
        try:
            return (yield from make())
        except (APIConnectionError, APIStatusError) as exc:
            yield from ride_out(patience, exc)


def poll_pause(failures: int, error: Exception) -> float:
    """Seconds before the next poll after ``failures`` failed ones in a row."""
    retry_after = error.retry_after if isinstance(error, RateLimitError) else None
    return delay(min(failures, 8), retry_after)
