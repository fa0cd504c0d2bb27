"""Waiting for a flow: poll until it is terminal, riding out failed polls."""

from __future__ import annotations

import logging
import time
from math import inf

from generio._errors import (
    APIError,
    AuthenticationError,
    InputError,
    NotFoundError,
    PermissionDeniedError,
)
from generio._http.operations import get_flow_op
from generio._jobs.effects import Job, Sleep
from generio._jobs.polling import (
    Observation,
    PollSettings,
    first_look,
    next_delay,
    run_seconds,
)
from generio._jobs.retries import call, poll_pause
from generio._jobs.state import ClientState
from generio._outcomes import FlowNotStarted, WaitTimeout
from generio._payload.models import NOT_STARTED_STATE, Flow, ProgressCallback

#: The state whose run time tells how long the next flow of its template will take.
COMPLETED = "completed"

logger = logging.getLogger("generio")


def check_timeout(timeout: float | None) -> None:
    """Refuse a wait timeout that is not a number of seconds >= 0 (None: no limit)."""
    if timeout is None:
        return
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout >= 0:
        raise InputError(f"timeout must be a number of seconds >= 0 or None, not {timeout!r}.")


def check_progress_interval(seconds: float | None) -> float | None:
    """Return ``progress_interval`` checked, at least the shortest poll interval."""
    if seconds is None:
        return None
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 < seconds < inf:
        raise InputError(
            f"progress_interval must be a positive number of seconds or None, not {seconds!r}."
        )
    return max(float(seconds), PollSettings().min_interval)


def wait_job(
    state: ClientState,
    flow_id: str,
    *,
    timeout: float | None,
    on_progress: ProgressCallback | None,
    first: Flow | None = None,
    progress_interval: float | None = None,
) -> Job[Flow]:
    """Poll until the flow is terminal; see ``_jobs/polling.py`` for when."""
    check_timeout(timeout)
    every = check_progress_interval(progress_interval)
    deadline = None if timeout is None else time.monotonic() + timeout
    history: list[Observation] = []
    last: Flow | None = None
    flow = first
    failures = 0
    while True:
        if flow is None:
            try:
                flow = yield from call(get_flow_op(flow_id), state.budget())
            except _DEFINITE:
                raise
            except APIError as exc:
                # A paid flow is never given up for a poll that failed: back off, look again.
                failures += 1
                pause = poll_pause(failures, exc)
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
            if flow.state == COMPLETED and len(history) > 1:  # learn its run time (polling.py)
                # From the create's answer to this look: an upper bound, known only from there.
                watched = history[-1].at - history[0].at if first is not None else None
                seconds = run_seconds(flow.started_at, flow.finished_at, watched)
                if seconds is not None:
                    state.runs.note(flow.template, seconds)
            return flow
        if flow.state == NOT_STARTED_STATE:
            raise FlowNotStarted(flow)
        just_created = len(history) == 1 and first is not None  # see _jobs/polling.py
        learned = state.runs.shortest(flow.template) if just_created else None
        if learned is None:
            pause = next_delay(history, now, state.poll)
        else:
            pause = first_look(learned, state.poll)
        if every is not None:
            pause = min(pause, every)
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
