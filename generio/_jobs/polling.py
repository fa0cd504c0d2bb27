"""When to look at a running flow again: pure decisions shared by both clients.

The docs' example polls every 5 seconds. That costs up to 5 s of latency after a flow ends,
and GETs a long flow every 5 s for nothing. Flows report a ``progress`` from 0.0 to 1.0 that
only grows, so :func:`next_delay` estimates the finish from the progress rate between two
observations (timed on this machine's monotonic clock: the server's timestamps may come from
a clock that is off) and schedules the next poll just after it:

* no movement seen yet: a short first delay (0.2 s: a flow of a tenth of a second is seen
  done about 0.1 s after it finished, with no fixed floor), doubling while the flow stays
  put (a queue before ``running``), so a long queue costs a few looks, not one per 0.2 s;
* movement seen: the finish is ``t_last + (1 - p_last) / rate``; the next poll is that instant
  plus a small margin, but never further than ``max_interval`` away, so a wrong estimate is
  corrected at the next observation (``progress_interval`` lowers that bound, so a
  progress bar moves at least that often);
* a poll that found the flow unfinished and unmoved waits twice as long as the one before
  (a flow stuck at 99 % while it packs its outputs), down to no less than ``min_interval``;
* a little positive jitter keeps many waiting clients apart without polling early.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from generio._http import policy as _retry
from generio._payload.models import (  # re-exported: the states are the models' own
    FAILED_STATES,
    NOT_STARTED_STATE,
    TERMINAL_STATES,
    is_terminal,
)

__all__ = [
    "FAILED_STATES",
    "MAX_JITTER",
    "NOT_STARTED_STATE",
    "TERMINAL_STATES",
    "Observation",
    "PollSettings",
    "is_terminal",
    "next_delay",
]

#: Seconds of jitter at most. Estimates already spread polls per flow; jitter only keeps
#: clients that started together apart, and every bit of it is latency after a finish.
MAX_JITTER = 0.05


@attrs.frozen
class PollSettings:
    """Tuning of :func:`next_delay`; the defaults suit flows of seconds to minutes.

    Attributes:
        first_delay: seconds before the second look when no progress was seen yet.
        growth: factor by which that delay grows while the flow does not move.
        min_interval: the shortest delay between two polls.
        max_interval: the longest delay between two polls.
        margin: seconds added after the estimated finish, to land just after it.
        jitter: largest random addition, as a fraction of the delay (at most
            :data:`MAX_JITTER` seconds: it adds straight to the latency after a finish).
    """

    first_delay: float = 0.2
    growth: float = 2.0
    min_interval: float = 0.2
    max_interval: float = 10.0
    margin: float = 0.05
    jitter: float = 0.02


@attrs.frozen
class Observation:
    """One look at a flow.

    Attributes:
        at: when it was taken, on ``time.monotonic()``.
        progress: the reported progress, 0.0 to 1.0.
    """

    at: float
    progress: float


def _stalled(history: Sequence[Observation]) -> int:
    """How many of the latest looks saw no progress since the look before."""
    count = 0
    for before, after in zip(reversed(history[:-1]), reversed(history[1:]), strict=True):
        if after.progress > before.progress:
            break
        count += 1
    return count


def _rate_pair(history: Sequence[Observation]) -> tuple[Observation, Observation] | None:
    """Two looks to measure the progress rate between, or None while nothing moved.

    The earliest look with progress above zero makes the longest clean baseline; with only
    one such look, the last look at zero before it bounds when the work began.
    """
    moving = [o for o in history if o.progress > 0]
    if not moving:
        return None
    last = history[-1]
    if last.progress > moving[0].progress:
        return moving[0], last
    before = [o for o in history if o.progress < moving[0].progress and o.at < moving[0].at]
    return (before[-1], last) if before else None


def next_delay(
    history: Sequence[Observation], now: float, settings: PollSettings | None = None
) -> float:
    """Seconds to wait before the next poll of an unfinished flow.

    Args:
        history: the looks taken so far, oldest first (at least one).
        now: the current ``time.monotonic()``.
        settings: tuning; the defaults when None.
    """
    if _retry.delays_disabled():
        return _retry.test_poll_interval()
    s = settings or PollSettings()
    pair = _rate_pair(history)
    base: float | None = None
    if pair is not None:
        a, b = pair
        span = b.at - a.at
        rate = (b.progress - a.progress) / span if span > 0 else 0.0
        if rate > 0:
            finish = b.at + max(0.0, 1.0 - b.progress) / rate
            base = finish + s.margin - now
    if base is None:
        base = s.first_delay * s.growth ** max(0, len(history) - 1)
    stalled = _stalled(history)
    if stalled and pair is not None:
        base = max(base, s.min_interval * 2**stalled)
    bounded = min(max(base, s.min_interval), s.max_interval)
    # Through the module, so patching _retry.jitter reaches every random choice.
    return bounded + _retry.jitter() * min(s.jitter * bounded, MAX_JITTER)
