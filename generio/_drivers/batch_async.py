"""The async batch: jobs driven by anyio tasks (``AsyncGenerio.run_many``)."""

from __future__ import annotations

import functools
import math
import os
from collections.abc import AsyncGenerator, Iterable

import anyio

from generio._drivers.asynchronous import AsyncDriver
from generio._errors import check_count
from generio._jobs.batch import Job, Outcome, Plan, as_outcome, plan_jobs
from generio._jobs.batch_progress import BatchCallback, Tracker
from generio._jobs.chain import batch_keys, chain_job, interrupted_note, prepare_batch_job
from generio._jobs.options import OnInterrupt
from generio._payload.marker import new_key

#: A worker's report: ``(index, None)`` when a job starts, ``(index, True)`` when its last
#: flow ended (it saves), ``(index, outcome)`` when it ends.
_Event = tuple[int, Outcome | bool | None]


def iterate(
    driver: AsyncDriver,
    jobs: Iterable[Job],
    concurrency: int,
    on_progress: BatchCallback | None,
    on_interrupt: OnInterrupt,
    journal: str | os.PathLike[str] | None,
) -> AsyncGenerator[tuple[int, Outcome], None]:
    """Check and plan the jobs now; the generator reads the journal and runs them."""
    check_count("concurrency", concurrency, 1)
    plans = plan_jobs(jobs, on_interrupt, new_key)
    return _iterate(driver, plans, concurrency, on_progress, journal)


async def _iterate(
    driver: AsyncDriver,
    plans: list[Plan],
    concurrency: int,
    on_progress: BatchCallback | None,
    journal: str | os.PathLike[str] | None,
) -> AsyncGenerator[tuple[int, Outcome], None]:
    loaded = await driver.drive(prepare_batch_job(driver.state, plans, journal))
    keys = batch_keys(driver.state, plans, loaded)
    tracker = Tracker(len(plans))
    if on_progress is not None:
        on_progress(tracker.snapshot())
    send, receive = anyio.create_memory_object_stream[_Event](math.inf)
    queue = iter(plans)
    stopped: list[BaseException] = []

    # A job holds one of ``concurrency`` places until its last flow ends, then saves its
    # outputs beside the next job's flow; at most as many jobs again save at once.
    places = anyio.Semaphore(concurrency)
    holding: set[int] = set()  # the jobs holding a place: each gives it back once

    def give(index: int, saving: bool = False) -> None:
        if index in holding:
            holding.remove(index)
            places.release()
        if saving:
            send.send_nowait((index, True))

    async def worker() -> None:
        while True:
            await places.acquire()
            plan = next(queue, None)
            if plan is None:
                places.release()
                return
            holding.add(plan.index)
            send.send_nowait((plan.index, None))
            try:
                job = chain_job(driver.state, plan, keys)
                saving = functools.partial(give, plan.index, True)
                outcome: Outcome = await driver.drive(job, saving)
            except Exception as exc:  # noqa: BLE001 - the job's result
                outcome = as_outcome(plan.index, exc)
            except BaseException as exc:
                stopped.append(exc)  # cancelled: run()'s clean-up marked it
                raise
            finally:
                give(plan.index)
            send.send_nowait((plan.index, outcome))

    error: BaseException | None = None
    with send, receive:
        async with anyio.create_task_group() as group:
            for _ in range(min(2 * concurrency, len(plans))):
                group.start_soon(worker)
            try:
                ended = 0
                while ended < len(plans):
                    index, outcome = await receive.receive()
                    if isinstance(outcome, bool):
                        tracker.save(index)
                        continue
                    if outcome is None:
                        tracker.start()
                    else:
                        ended += 1
                        tracker.end(not isinstance(outcome, BaseException), index)
                    if on_progress is not None:
                        on_progress(tracker.snapshot(index))
                    if outcome is not None:
                        yield index, outcome
            except anyio.get_cancelled_exc_class():
                raise
            except BaseException as exc:  # noqa: BLE001 - re-raised once the workers stopped
                # Closed early, or on_progress raised: stop the workers (their clean-up
                # shielded), then let the exception out as it was, not in a group.
                error = exc
                group.cancel_scope.cancel()
    if error is not None:
        if not isinstance(error, GeneratorExit):
            interrupted_note(error, stopped, plans)
        raise error
