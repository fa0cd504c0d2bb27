"""``Generio.run_many`` and ``Generio.iter_run_many``: the batch driven by a thread pool.

The jobs are ``_jobs/chain.chain_job`` generators, driven in worker threads (at most
``concurrency``); the calling thread hands out jobs, counts, calls the batch's
``on_progress`` and yields results as jobs end.

Interruption: Ctrl-C reaches only the calling thread. When it (or any exception, or the
caller closing the generator early) stops the batch, a stop flag is set; each worker throws
an interruption into its job at its next step (a poll's pause ends at once), so ``run()``'s
clean-up aborts the flow in flight or leaves it running, as the job's ``on_interrupt``
says (``"auto"``: kept when the job has the caller's key). The batch waits for those
clean-ups, then the exception goes on, with ``generio_flow_ids`` (the flows of the jobs
that were in flight) and a note.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections import deque
from collections.abc import Generator, Iterable, Mapping
from typing import TYPE_CHECKING, TypeVar, cast

from generio._errors import ClientClosedError
from generio._jobs.options import OnInterrupt
from generio._payload.marker import new_key

if TYPE_CHECKING:
    from concurrent.futures import Future

    from generio._client import Generio
    from generio._jobs.batch import Job, Outcome, Plan
    from generio._jobs.batch_progress import BatchCallback
    from generio._jobs.effects import Job as EffectJob
    from generio._jobs.keys import BatchKeys

# The batch's own modules (plans, chains, progress, the thread pool) load with the first
# batch: importing the client stays light.

__all__ = ["BatchStopped", "SyncBatches"]

T = TypeVar("T")


class BatchStopped(BaseException):
    """Thrown into a job whose batch was interrupted: ``run()`` cleans up, then it ends."""


class SyncBatches:
    """The batch methods of :class:`~generio.Generio` (a mixin)."""

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
        client = cast("Generio", self)
        if client._driver.closed:
            raise ClientClosedError("Generio")
        from generio._jobs.batch import check_concurrency, plan_jobs
        from generio._jobs.chain import batch_keys, prepare_batch_job

        check_concurrency(concurrency)
        plans = plan_jobs(jobs, on_interrupt, new_key)
        loaded = client._drive(prepare_batch_job(client._state, plans, journal))
        keys = batch_keys(client._state, plans, loaded)
        return _iterate(client, plans, concurrency, on_progress, on_interrupt, keys)


def _iterate(
    client: Generio,
    plans: list[Plan],
    concurrency: int,
    on_progress: BatchCallback | None,
    on_interrupt: OnInterrupt,
    keys: BatchKeys | None,
) -> Generator[tuple[int, Outcome], None, None]:
    from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

    from generio._jobs.batch_progress import Tracker
    from generio._jobs.chain import interrupted_note

    tracker = Tracker(len(plans))
    stop = threading.Event()
    pending = deque(plans)
    running: dict[Future[Outcome], int] = {}
    if on_progress is not None:
        on_progress(tracker.snapshot())
    pool = ThreadPoolExecutor(max_workers=min(concurrency, len(plans) or 1))
    try:
        while pending or running:
            while pending and len(running) < concurrency:
                plan = pending.popleft()
                tracker.start()
                running[pool.submit(_work, client, plan, stop, keys)] = plan.index
                if on_progress is not None:
                    on_progress(tracker.snapshot(plan.index))
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in sorted(finished, key=running.__getitem__):
                index = running.pop(future)
                outcome = future.result()
                tracker.end(not isinstance(outcome, BaseException))
                if on_progress is not None:
                    on_progress(tracker.snapshot(index))
                yield index, outcome
    except BaseException as exc:
        stopped = _stop(stop, running)
        if not isinstance(exc, GeneratorExit):
            interrupted_note(exc, stopped, _modes(plans, running))
        raise
    finally:
        pool.shutdown(wait=True)


def _modes(plans: list[Plan], running: Mapping[Future[Outcome], int]) -> str:
    modes = {plans[i].on_interrupt for i in running.values()}
    return modes.pop() if len(modes) == 1 else "mixed"


def _stop(stop: threading.Event, running: Mapping[Future[Outcome], int]) -> list[BaseException]:
    """Stop the jobs in flight and wait for their clean-up; their exceptions."""
    stop.set()
    stopped: list[BaseException] = []
    for future in running:
        try:
            future.result()
        except BaseException as exc:  # noqa: BLE001 - collected for the note
            stopped.append(exc)
    return stopped


def _work(client: Generio, plan: Plan, stop: threading.Event, keys: BatchKeys | None) -> Outcome:
    """One job in a worker thread; an Exception is its result, a stop raises."""
    from generio._jobs.batch import as_outcome
    from generio._jobs.chain import chain_job

    try:
        return _drive_stoppable(client, chain_job(client._state, plan, keys), stop)
    except Exception as exc:  # noqa: BLE001 - the job's result
        return as_outcome(plan.index, exc)


def _drive_stoppable(client: Generio, job: EffectJob[T], stop: threading.Event) -> T:
    """``Generio._drive``, plus: once ``stop`` is set, the job is interrupted at its next step.

    Pauses (polling, backoff) wait on the flag, so a stop never waits out a poll interval.
    """
    from generio._drivers.sync import Stop

    return client._driver.drive(job, Stop(stop, BatchStopped))
