"""The facade's logic as jobs (see ``_effects.py``): one generator per public call.

The sync and async clients only build these and drive them; nothing here does I/O.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable, Mapping
from typing import TypeVar

from generio._conflicts import is_conflict_status, judge_action, judge_delete
from generio._effects import Call, Job, Sleep
from generio._errors import (
    APIError,
    APIStatusError,
    AuthenticationError,
    FlowNotStarted,
    GenerioError,
    InputError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    WaitTimeout,
)
from generio._inputs import check_shape
from generio._models import Asset, Flow, ProgressCallback, Template
from generio._operations import (
    Operation,
    delete_flow_op,
    get_flow_op,
    get_template_op,
    list_templates_op,
    update_flow_op,
)
from generio._polling import NOT_STARTED_STATE, Observation, next_delay
from generio._retry import delay
from generio._state import ClientState
from generio._types import FlowAction

__all__ = [
    "ProgressCallback",
    "abort_job",
    "as_sources",
    "call",
    "delete_job",
    "get_template_job",
    "list_templates_job",
    "prefetch_templates_job",
    "start_job",
    "wait_job",
]

logger = logging.getLogger("generio")
T = TypeVar("T")

#: Called with the flow each time its state or progress changes while waiting.


def call(state: ClientState, op: Operation[T]) -> Job[T]:
    """One request as a whole logical call, with its own retry budget."""
    result: T = yield Call(op, state.budget())
    return result


def list_templates_job(state: ClientState) -> Job[list[Template]]:
    """All templates; refreshes the client's cache."""
    templates: list[Template] = yield Call(list_templates_op(), state.budget())
    state.remember(templates)
    return templates


def prefetch_templates_job(state: ClientState, jobs: Iterable[object]) -> Job[None]:
    """Fill the template cache once before many runs start together.

    Without it, every concurrent first run misses the cache and fetches its template: one
    request per job at the moment the service is busiest. A failure here is ignored: each
    job then meets (and reports) it on its own.
    """
    names = {job.get("template") for job in jobs if isinstance(job, Mapping)} - {None}
    if not any(isinstance(n, str) and state.cached_template(n) is None for n in names):
        return
    try:
        yield from list_templates_job(state)
    except GenerioError as exc:
        logger.debug("could not prefetch templates: %s", exc)


def get_template_job(state: ClientState, id_or_name: str) -> Job[Template]:
    """One template, always fetched; refreshes the cache."""
    template: Template = yield Call(get_template_op(id_or_name), state.budget())
    state.remember([template])
    return template


def _action_job(state: ClientState, flow_id: str, action: FlowAction) -> Job[Flow]:
    budget = state.budget()
    try:
        flow: Flow | None = yield Call(update_flow_op(flow_id, action), budget)
    except APIStatusError as exc:
        if not is_conflict_status(exc):
            raise
        return (yield from judge_action(state, flow_id, action, exc, retried=budget.retried))
    if flow is None:  # a success that is not a flow: the caller wants the flow
        flow = yield Call(get_flow_op(flow_id), state.budget())
    return flow


def start_job(state: ClientState, flow_id: str) -> Job[Flow]:
    """Start a flow created without inputs.

    A refusal (409, or the 400/412/423 another service may pick) is judged by the flow's
    state: after a retry, a flow past ``created`` was started by the first attempt, whose
    answer was lost, and that counts as started; otherwise a state that forbids the start
    is a :class:`ConflictError`. See ``_conflicts.py``.
    """
    return _action_job(state, flow_id, "start")


def abort_job(state: ClientState, flow_id: str) -> Job[Flow]:
    """Abort a starting or running flow.

    A refused abort on an aborting or aborted flow after a retry counts as done, as in
    :func:`start_job`.
    """
    return _action_job(state, flow_id, "abort")


def delete_job(state: ClientState, flow_id: str) -> Job[None]:
    """Delete a flow; any 2xx answer is a success.

    A retried delete that meets 404 met its own first attempt's success. A refusal with a
    conflict status is judged by the flow's state (see ``_conflicts.py``).
    """
    budget = state.budget()
    try:
        yield Call(delete_flow_op(flow_id), budget)
    except NotFoundError:
        if not budget.retried:
            raise
    except APIStatusError as exc:
        if not is_conflict_status(exc):
            raise
        yield from judge_delete(state, flow_id, exc, retried=budget.retried)


def check_timeout(timeout: float | None) -> None:
    """Refuse a wait timeout that is not a number of seconds >= 0 (None: no limit).

    Raises:
        InputError: naming the bad value.
    """
    if timeout is None:
        return
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout >= 0:
        raise InputError(f"timeout must be a number of seconds >= 0 or None, not {timeout!r}.")


def wait_job(
    state: ClientState,
    flow_id: str,
    *,
    timeout: float | None,
    on_progress: ProgressCallback | None,
    first: Flow | None = None,
) -> Job[Flow]:
    """Poll until the flow is terminal; see ``_polling.py`` for when.

    Args:
        state: the client's state.
        flow_id: the flow to wait for.
        timeout: seconds to wait at most; None waits as long as it takes.
        on_progress: called with the flow on every change of state or progress.
        first: an observation already made (the answer of create), saving a request.

    Raises:
        WaitTimeout: the timeout passed; the flow keeps running.
        FlowNotStarted: the flow sits in ``created``; nothing would ever finish it.
    """
    check_timeout(timeout)
    deadline = None if timeout is None else time.monotonic() + timeout
    history: list[Observation] = []
    last: Flow | None = None
    flow = first
    failures = 0
    while True:
        if flow is None:
            try:
                flow = yield Call(get_flow_op(flow_id), state.budget())
            except _DEFINITE:
                raise
            except APIError as exc:
                # A paid flow is never given up for a poll that failed: back off, look again.
                failures += 1
                pause = _poll_backoff(failures, exc)
                if deadline is not None:
                    now = time.monotonic()
                    if now >= deadline:
                        raise WaitTimeout(flow_id, float(timeout or 0), last or first) from exc
                    pause = min(pause, deadline - now)
                logger.debug("polling flow %s failed (%s); next look in %.2fs", flow_id, exc, pause)
                yield Sleep(pause)
                continue
            failures = 0
        now = time.monotonic()
        history.append(Observation(now, flow.progress))
        if on_progress is not None and (
            last is None or (flow.state, flow.progress) != (last.state, last.progress)
        ):
            on_progress(flow)
        last = flow
        if flow.is_terminal:
            logger.info("flow %s ended %s", flow.id, flow.state)
            return flow
        if flow.state == NOT_STARTED_STATE:
            raise FlowNotStarted(flow)
        pause = next_delay(history, now, state.poll)
        if deadline is not None:
            if now >= deadline:
                raise WaitTimeout(flow_id, float(timeout or 0), flow)
            pause = min(pause, deadline - now)
        logger.debug(
            "flow %s is %s at %.0f%%; next look in %.2fs",
            flow_id,
            flow.state,
            flow.progress * 100,
            pause,
        )
        yield Sleep(pause)
        flow = None


#: Answers that end a wait at once: no later poll can succeed.
_DEFINITE = (AuthenticationError, PermissionDeniedError, NotFoundError)


def _poll_backoff(failures: int, error: Exception) -> float:
    """Seconds before the next poll after ``failures`` failed ones in a row."""
    retry_after = error.retry_after if isinstance(error, RateLimitError) else None
    return delay(min(failures, 8), retry_after)


def as_sources(inputs: object) -> list[object]:
    """One input or a sequence of them, as a list (None is no input).

    A mapping is one input in the API's shape (``{"data": ..., "additional": ...}``), never
    a collection of its keys.

    Raises:
        InputError: a mapping of another shape, or a set (nothing is sent).
    """
    if inputs is None:
        return []
    single = (str, bytes, bytearray, memoryview, os.PathLike, Asset, Mapping)
    check_shape(inputs)
    if isinstance(inputs, single) or hasattr(inputs, "read"):
        return [inputs]
    if isinstance(inputs, Iterable):
        sources = list(inputs)
        for source in sources:
            check_shape(source)
        return sources
    return [inputs]
