"""The blocking batch: jobs driven by a thread pool (``Generio.run_many``)."""

from __future__ import annotations

import functools
import os
import queue
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor

from generio._drivers.sync import SyncDriver
from generio._errors import ClientClosedError, check_count
from generio._jobs.batch import Job, Outcome, Plan, as_outcome, plan_jobs
from generio._jobs.batch_progress import BatchCallback, Tracker
from generio._jobs.chain import batch_keys, chain_job, interrupted_note, prepare_batch_job
from generio._jobs.keys import BatchKeys
from generio._jobs.options import OnInterrupt
from generio._payload.marker import new_key


def iterate(
    driver: SyncDriver,
    jobs: Iterable[Job],
    concurrency: int,
    on_progress: BatchCallback | None,
    on_interrupt: OnInterrupt,
    journal: str | os.PathLike[str] | None,
) -> Generator[tuple[int, Outcome], None, None]:
    """Check and plan the jobs and read the journal now; the generator runs them."""
    if driver.closed:
        raise ClientClosedError("Generio")
    check_count("concurrency", concurrency, 1)
    plans = plan_jobs(jobs, on_interrupt, new_key)
    loaded = driver.drive(prepare_batch_job(driver.state, plans, journal))
    keys = batch_keys(driver.state, plans, loaded)
    return _iterate(driver, plans, concurrency, on_progress, keys)


def _iterate(
    driver: SyncDriver,
    plans: list[Plan],
    concurrency: int,
    on_progress: BatchCallback | None,
    keys: BatchKeys | None,
) -> Generator[tuple[int, Outcome], None, None]:
    tracker = Tracker(len(plans))
    stop = threading.Event()
    pending = deque(plans)
    running: dict[Future[Outcome], int] = {}
    # A job whose last flow ended gives its place to the next job while it saves: its index
    # comes on the queue of ended jobs then (its future when it ends).
    ended: queue.SimpleQueue[Future[Outcome] | int] = queue.SimpleQueue()
    if on_progress is not None:
        on_progress(tracker.snapshot())
    pool = ThreadPoolExecutor(max_workers=min(2 * concurrency, len(plans) or 1))
    try:
        while pending or running:
            while pending and tracker.running < concurrency and len(running) < 2 * concurrency:
                plan = pending.popleft()
                tracker.start()
                released = functools.partial(ended.put, plan.index)
                future = pool.submit(_work, driver, plan, stop, keys, released)
                running[future] = plan.index
                future.add_done_callback(ended.put)
                if on_progress is not None:
                    on_progress(tracker.snapshot(plan.index))
            done = []
            for item in _ended(ended):
                if isinstance(item, int):
                    tracker.save(item)
                else:
                    done.append(item)
            for future in sorted(done, key=running.__getitem__):
                index = running.pop(future)
                outcome = future.result()
                tracker.end(not isinstance(outcome, BaseException), index)
                if on_progress is not None:
                    on_progress(tracker.snapshot(index))
                yield index, outcome
    except BaseException as exc:
        stopped = _stop(stop, running)
        if not isinstance(exc, GeneratorExit):
            interrupted_note(exc, stopped, (plans[i] for i in running.values()))
        raise
    finally:
        pool.shutdown(wait=True)


def _ended(ended: queue.SimpleQueue[Future[Outcome] | int]) -> list[Future[Outcome] | int]:
    """Wait for a job to end or start saving; it and what else came meanwhile."""
    finished = [ended.get()]
    while not ended.empty():
        finished.append(ended.get())
    return finished


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


def _work(
    driver: SyncDriver,
    plan: Plan,
    stop: threading.Event,
    keys: BatchKeys | None,
    on_ended: Callable[[], object],
) -> Outcome:
    """One job in a worker thread; an Exception is its result, a stop raises."""
    try:
        job = chain_job(driver.state, plan, keys)
        return driver.drive(job, stop, on_ended)
    except Exception as exc:  # noqa: BLE001 - the job's result
        return as_outcome(plan.index, exc)
