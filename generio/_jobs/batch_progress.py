"""A batch's counts: queued, running, done, failed, and an estimate of the time left."""

from __future__ import annotations

import time
from collections.abc import Callable

import attrs


@attrs.frozen
class BatchProgress:
    """How a batch is going, given to run_many's ``on_progress`` on every change.

    Attributes:
        total: jobs in the batch.
        queued: jobs not started yet.
        running: jobs under way whose flows hold the batch's places (at most ``concurrency``).
        done: jobs that returned a result.
        failed: jobs that ended in an error.
        finished: jobs that ended, either way (``done + failed``; a property).
        elapsed: seconds since the batch began.
        remaining: estimated seconds until the last job ends (None until one has ended).
        job: the index of the job that just started or ended (None for the first report).
        saving: jobs whose last flow has ended, saving its outputs: they hold no place, so
            the next jobs' flows start meanwhile (counted from the next report on).
    """

    total: int
    queued: int
    running: int
    done: int
    failed: int
    elapsed: float
    remaining: float | None
    job: int | None = None
    saving: int = 0

    @property
    def finished(self) -> int:
        """Jobs that ended, either way."""
        return self.done + self.failed


class Tracker:
    """The batch's counts; the estimate is the jobs left at the rate jobs ended so far."""

    def __init__(self, total: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._began = clock()
        self.total = total
        self.running = 0
        #: The jobs counted as saving rather than running.
        self.saving: set[int] = set()
        self.done = 0
        self.failed = 0

    def start(self) -> None:
        """Count a job that began."""
        self.running += 1

    def save(self, index: int) -> None:
        """Count job ``index``, whose last flow ended, as saving its outputs."""
        if index not in self.saving:
            self.running -= 1
            self.saving.add(index)

    def end(self, ok: bool, index: int | None = None) -> None:
        """Count a job that ended with a result (``ok``) or an error."""
        if index in self.saving:
            self.saving.discard(index)
        else:
            self.running -= 1
        if ok:
            self.done += 1
        else:
            self.failed += 1

    def snapshot(self, job: int | None = None) -> BatchProgress:
        """Return the counts now, with the estimate of the time left."""
        elapsed = max(0.0, self._clock() - self._began)
        finished = self.done + self.failed
        remaining: float | None = None
        if finished == self.total:
            remaining = 0.0
        elif finished and elapsed > 0:
            remaining = (self.total - finished) * elapsed / finished
        return BatchProgress(
            total=self.total,
            queued=self.total - finished - self.running - len(self.saving),
            running=self.running,
            saving=len(self.saving),
            done=self.done,
            failed=self.failed,
            elapsed=elapsed,
            remaining=remaining,
            job=job,
        )


#: Called with the batch's counts on every change.
BatchCallback = Callable[[BatchProgress], object]
