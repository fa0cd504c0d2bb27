"""When to look at a running flow again: decisions shared by both clients.

A fixed 5 s poll adds up to 5 s of latency and polls long flows for nothing, so the
next look is estimated from the progress rate. That estimate needs two looks, so a flow
that has just been created is first looked at after the shortest time its template's
flows recently took on this client (:class:`RunTimes`), or after ``first_delay`` when
none has finished yet: a batch of short flows then costs one poll per flow, not two.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence
from datetime import datetime

import attrs

from generio._http import policy as _retry
from generio._http.forksafe import fresh_lock, renew_after_fork

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
    return _paced(base, s)


def _paced(base: float, s: PollSettings) -> float:
    """Return ``base`` seconds held between the settings' bounds, with a little jitter."""
    bounded = min(max(base, s.min_interval), s.max_interval)
    # Through the module, so patching _retry.jitter reaches every random choice.
    return bounded + _retry.jitter() * min(s.jitter * bounded, MAX_JITTER)


#: Run times kept per template (the latest ones), and templates kept per client.
KEEP_RUNS = 16
KEEP_TEMPLATES = 256


def run_seconds(
    started: datetime | None, finished: datetime | None, watched: float | None
) -> float | None:
    """How long a completed flow ran: the service's timestamps, else ``watched`` (an upper bound).

    The service's clock ignores a skewed client clock, time queued and a late poll.
    """
    if started is not None and finished is not None:
        try:
            seconds = (finished - started).total_seconds()
        except TypeError:  # one naive, one aware: not comparable
            seconds = -1.0
        if seconds >= 0:
            return seconds
    return watched


class RunTimes:
    """The latest run times of each template's completed flows; only the shortest is used."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._runs: dict[str, deque[float]] = {}
        renew_after_fork(self)

    def after_fork(self) -> None:
        """In a forked child: a fresh lock (what was learned stays true)."""
        self._lock = fresh_lock(self._lock)

    def note(self, template: str, seconds: float) -> None:
        """Remember that a flow of ``template`` ran ``seconds``."""
        if not template or not seconds >= 0 or seconds == float("inf"):
            return
        with self._lock:
            # Re-inserted: the dict keeps recent use last (a stored deque is never empty).
            runs = self._runs.pop(template, None) or deque(maxlen=KEEP_RUNS)
            while len(self._runs) >= KEEP_TEMPLATES:
                del self._runs[next(iter(self._runs))]
            runs.append(seconds)
            self._runs[template] = runs

    def shortest(self, template: str) -> float | None:
        """Return the shortest recent run time of ``template``'s flows (None: none finished)."""
        with self._lock:
            runs = self._runs.get(template)
            return min(runs) if runs else None


def first_look(learned: float, settings: PollSettings | None = None) -> float:
    """Return the seconds from a flow's creation to its first look.

    Just after ``learned``, the shortest recent run of its template, capped at ``max_interval``:
    a longer flow costs no extra look, as that look measures its progress rate.
    """
    if _retry.delays_disabled():
        return _retry.test_poll_interval()
    s = settings or PollSettings()
    return _paced(learned + s.margin, s)
