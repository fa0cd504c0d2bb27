"""When to look at a running flow again: pure decisions shared by both clients.

A fixed 5 s poll adds up to 5 s of latency and polls long flows for nothing, so the
next look is estimated from the progress rate.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from generio._http import policy as _retry

#: Seconds of jitter at most. Estimates already spread polls per flow; jitter only keeps
#: clients that started together apart, and every bit of it is latency after a finish.
MAX_JITTER = 0.05


@attrs.frozen
class PollSettings:
    """Tuning of :func:`next_delay`; the defaults suit flows of seconds to minutes."""

    first_delay: float = 0.2
    growth: float = 2.0
    min_interval: float = 0.2
    max_interval: float = 10.0
    margin: float = 0.05
    jitter: float = 0.02


@attrs.frozen
class Observation:
    """One look at a flow."""

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
    """Two looks to measure the progress rate between, or None while nothing moved."""
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
    """Seconds to wait before the next poll of an unfinished flow."""
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
