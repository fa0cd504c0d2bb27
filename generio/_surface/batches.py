"""``run_many`` and ``iter_run_many`` of both clients: many jobs, in order of ending."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncGenerator, Generator, Iterable
from typing import TYPE_CHECKING

from generio._jobs.options import OnInterrupt

if TYPE_CHECKING:
    from generio._drivers.asynchronous import AsyncDriver
    from generio._drivers.sync import SyncDriver
    from generio._jobs.batch import Job, Outcome
    from generio._jobs.batch_progress import BatchCallback

__all__ = ["AsyncBatches", "SyncBatches"]


class SyncBatches:
    """The batch methods of :class:`~generio.Generio` (a mixin over its driver)."""

    _driver: SyncDriver

    def run_many(
        self,
        jobs: Iterable[Job],
        *,
        concurrency: int = 8,
        on_progress: BatchCallback | None = None,
        on_interrupt: OnInterrupt = "auto",
        journal: str | os.PathLike[str] | None = None,
    ) -> list[Outcome]:
        """Run many jobs, at most ``concurrency`` at a time; one result per job, in order.

        Args:
            jobs: each a :class:`~generio.Job`: :meth:`run`'s arguments, plus ``then`` to
                chain steps (each step's inputs are the previous step's outputs), e.g.
                ``{"template": "model_generate_fromprompt", "inputs": "a chair",
                "then": {"template": "model_optimize"}, "idempotency_key": "chair-1"}``.
            concurrency: how many jobs run at once.
            on_progress: called with a :class:`~generio.BatchProgress` whenever a job
                starts or ends (in the calling thread).
            on_interrupt: what happens to the flows in flight when the batch is
                interrupted: ``"abort"`` them, ``"keep"`` them running so a re-run with
                the same keys collects them, or ``"auto"`` (the default, as in ``run()``
                and ``generio batch``): keep those of jobs with your ``idempotency_key``,
                abort the others (nobody could collect them). A job's own wins.
            journal: a file where each keyed job's flow id is recorded as soon as it is
                known (made, with its folder, if missing). Run the batch again with
                the same journal after a crash: those jobs need no lookup in the account's
                listing, and jobs whose create was in flight are looked for among flows
                created since. See README, "Resume after a crash".

        Returns:
            For each job, in order, its :class:`~generio.RunResult` (``.steps`` holds every
            step's flow) or the :class:`~generio.GenerioError` it ended with. Any other
            exception a job raises is wrapped in a :class:`~generio.JobError` (the original
            is its ``__cause__``): one job's failure never stops the others.

        Raises:
            ConfigurationError: ``concurrency`` is not an integer >= 1.
            InputError: a job is unusable (an unknown key, no template), or the journal
                cannot be read, before any request.
            LookupIncompleteError: (as a job's result) its key's lookup could not finish.
            ClientClosedError: the client was closed.
        """
        results: list[Outcome | None] = []
        iterator = self.iter_run_many(
            jobs,
            concurrency=concurrency,
            on_progress=on_progress,
            on_interrupt=on_interrupt,
            journal=journal,
        )
        with contextlib.closing(iterator):
            for index, outcome in iterator:
                results.extend([None] * (index + 1 - len(results)))
                results[index] = outcome
        return [r for r in results if r is not None]

    def iter_run_many(
        self,
        jobs: Iterable[Job],
        *,
        concurrency: int = 8,
        on_progress: BatchCallback | None = None,
        on_interrupt: OnInterrupt = "auto",
        journal: str | os.PathLike[str] | None = None,
    ) -> Generator[tuple[int, Outcome], None, None]:
        """Like :meth:`run_many`, yielding ``(index, result)`` as each job ends.

        Leaving the loop early (``break``, an exception) stops the batch: the flows of the
        jobs in flight are aborted or kept as ``on_interrupt`` says.

        Raises:
            ConfigurationError: ``concurrency`` is not an integer >= 1 (at the call).
            InputError: a job is unusable, at the call, before any request.
            ClientClosedError: the client was closed.
        """
        from generio._drivers.batch_sync import iterate  # the batch's modules: on first use

        return iterate(self._driver, jobs, concurrency, on_progress, on_interrupt, journal)


class AsyncBatches:
    """The batch methods of :class:`~generio.AsyncGenerio` (a mixin over its driver)."""

    _driver: AsyncDriver

    async def run_many(
        self,
        jobs: Iterable[Job],
        *,
        concurrency: int = 8,
        on_progress: BatchCallback | None = None,
        on_interrupt: OnInterrupt = "auto",
        journal: str | os.PathLike[str] | None = None,
    ) -> list[Outcome]:
        """Run many jobs, at most ``concurrency`` at a time; see :meth:`Generio.run_many`.

        Cancelling it aborts (or keeps, as ``on_interrupt`` says) the flows of the jobs
        under way, shielded.
        """
        results: list[Outcome | None] = []
        iterator = self.iter_run_many(
            jobs,
            concurrency=concurrency,
            on_progress=on_progress,
            on_interrupt=on_interrupt,
            journal=journal,
        )
        async with contextlib.aclosing(iterator):
            async for index, outcome in iterator:
                results.extend([None] * (index + 1 - len(results)))
                results[index] = outcome
        return [r for r in results if r is not None]

    def iter_run_many(
        self,
        jobs: Iterable[Job],
        *,
        concurrency: int = 8,
        on_progress: BatchCallback | None = None,
        on_interrupt: OnInterrupt = "auto",
        journal: str | os.PathLike[str] | None = None,
    ) -> AsyncGenerator[tuple[int, Outcome], None]:
        """Like :meth:`run_many`, yielding ``(index, result)`` as each job ends.

        ``async for index, result in client.iter_run_many(jobs): ...``. To leave the loop
        early, iterate inside ``async with contextlib.aclosing(...)``: closing stops the
        batch (flows in flight aborted or kept as ``on_interrupt`` says).

        Raises:
            ConfigurationError: ``concurrency`` is not an integer >= 1 (at the call).
            InputError: a job is unusable, at the call, before any request.
        """
        from generio._drivers.batch_async import iterate  # the batch's modules: on first use

        return iterate(self._driver, jobs, concurrency, on_progress, on_interrupt, journal)
