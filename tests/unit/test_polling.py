"""The pure polling decisions of ``_jobs/polling.py``, and a simulation against a 5 s loop."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, timedelta

import pytest

from generio._http import policy as _retry
from generio._jobs import polling as _polling
from generio._jobs.polling import Observation, PollSettings, next_delay

S = PollSettings()


@pytest.fixture(autouse=True)
def _real_delays(monkeypatch: pytest.MonkeyPatch) -> None:
    """Undo the suite's zero-delay switch and make jitter zero, for exact numbers."""
    monkeypatch.setattr(_retry, "_delays_disabled", False)
    monkeypatch.setattr(_retry, "_test_poll_interval", 0.0)  # no_delays()' poll interval
    monkeypatch.setattr(_retry, "jitter", lambda: 0.0)


def test_first_delay_without_progress() -> None:
    """With no progress seen yet, the second look comes after the first delay."""
    assert next_delay([Observation(0.0, 0.0)], 0.0) == S.first_delay


def test_delay_grows_while_nothing_moves() -> None:
    """A flow that stays at zero is looked at less and less often."""
    history = [Observation(float(i), 0.0) for i in range(3)]
    assert next_delay(history, 2.0) == pytest.approx(S.first_delay * S.growth**2)


def test_poll_just_after_estimated_finish() -> None:
    """Half done after 1 s means done at 2 s: poll at 2 s plus the margin."""
    history = [Observation(0.0, 0.0), Observation(1.0, 0.5)]
    assert next_delay(history, 1.0) == pytest.approx(1.0 + S.margin)


def test_long_estimate_capped() -> None:
    """An estimate far away is checked again after max_interval at most."""
    history = [Observation(0.0, 0.0), Observation(1.0, 0.01)]
    assert next_delay(history, 1.0) == S.max_interval


def test_rate_from_two_positive_looks() -> None:
    """With two looks above zero, their rate wins over the time before work began."""
    history = [Observation(0.0, 0.0), Observation(5.0, 0.1), Observation(6.0, 0.2)]
    # 0.1 per second from the 5 s look: done at 14 s.
    assert next_delay(history, 6.0) == pytest.approx(8.0 + S.margin)


def test_stalled_flow_backs_off() -> None:
    """Past the estimate and unmoved, each look waits twice as long as the one before."""
    history = [Observation(0.0, 0.0), Observation(1.0, 0.5), Observation(2.1, 1.0)]
    first = next_delay(history, 2.1)
    assert first == S.min_interval
    history.append(Observation(2.3, 1.0))
    history.append(Observation(2.7, 1.0))
    assert next_delay(history, 2.7) == pytest.approx(S.min_interval * 4)


def test_jitter_is_small_and_positive(monkeypatch: pytest.MonkeyPatch) -> None:
    """Jitter only delays, by at most 2 % of the delay and 0.05 s."""
    monkeypatch.setattr(_retry, "jitter", lambda: 0.999)
    delay = next_delay([Observation(0.0, 0.0)], 0.0)
    assert S.first_delay < delay <= S.first_delay + 0.02
    far = next_delay([Observation(0.0, 0.0), Observation(1.0, 0.01)], 1.0)
    assert S.max_interval < far <= S.max_interval + _polling.MAX_JITTER


def test_delays_disabled_gives_zero(monkeypatch: pytest.MonkeyPatch) -> None:
    """The testing switch makes every poll immediate."""
    monkeypatch.setattr(_retry, "_delays_disabled", True)
    assert next_delay([Observation(0.0, 0.0)], 0.0) == 0.0


def _adaptive(duration: float) -> tuple[int, float]:
    """Count GETs and latency of wait() on a flow with linear progress, started at t=0."""
    now, gets = 0.0, 1  # wait() looks at once
    history = [Observation(0.0, 0.0)]
    while True:
        now += next_delay(history, now)
        gets += 1
        if now >= duration:
            return gets, now - duration
        history.append(Observation(now, now / duration))


def _fixed(duration: float, interval: float = 5.0) -> tuple[int, float]:
    """Count GETs and latency of the docs' loop: look, sleep 5 s, look again..."""
    looks = int(duration // interval) + 2
    return looks, (looks - 1) * interval - duration


def test_simulated_flows_beat_the_fixed_loop() -> None:
    """On flows of 2-20 s: latency far below the 5 s loop's, no more GETs than it makes."""
    durations = [2 + 0.5 * i for i in range(37)]
    ours = [_adaptive(d) for d in durations]
    base = [_fixed(d) for d in durations]
    assert statistics.median(o[1] for o in ours) <= 0.2 * statistics.median(b[1] for b in base)
    assert sum(o[0] for o in ours) <= 1.2 * sum(b[0] for b in base)


def test_no_delays_switch_nests_and_restores() -> None:
    """no_delays() zeroes retry delays and polls every 0.02 s (or as asked), then restores."""
    from generio.testing import no_delays

    history = [Observation(0.0, 0.0)]
    assert next_delay(history, 0.0) == S.first_delay
    with no_delays():
        assert next_delay(history, 0.0) == 0.02
        assert _retry.delay(1, 5.0) == 0.0
        with no_delays(poll_interval=0):
            assert next_delay(history, 0.0) == 0.0
        assert next_delay(history, 0.0) == 0.02
        assert _retry.delays_disabled()
    assert not _retry.delays_disabled()
    assert next_delay(history, 0.0) == S.first_delay


@pytest.mark.parametrize("bad", [-1, "0.1", True, float("nan")])
def test_no_delays_refuses_a_bad_poll_interval(bad: object) -> None:
    """A negative or non-numeric poll_interval is refused before anything changes."""
    from generio.testing import no_delays

    with pytest.raises((ValueError, TypeError), match="poll_interval"), no_delays(bad):  # type: ignore[arg-type]
        pass
    assert not _retry.delays_disabled()


def test_short_flows_have_no_fixed_floor() -> None:
    """A 0.1 s flow is seen done ~0.1 s after it finished; a 1 s flow ~0.05 s after."""
    assert _adaptive(0.1) == (2, pytest.approx(0.1))  # the look at 0.2 s finds it done
    gets, late = _adaptive(1.0)
    assert late <= 0.06
    assert gets == 3  # at once, after 0.2 s (the rate), just after the finish


def test_a_long_queue_costs_few_looks() -> None:
    """A flow that does not move for 60 s is looked at 9 times, not once every 0.2 s."""
    history = [Observation(0.0, 0.0)]
    now = 0.0
    while now < 60.0:
        now += next_delay(history, now)
        history.append(Observation(now, 0.0))
    assert len(history) <= 12


def test_first_look_after_the_shortest_recent_run() -> None:
    """A new flow is first looked at just after the template's shortest recent run."""
    runs = _polling.RunTimes()
    for seconds in (3.0, 2.0, 2.5):
        runs.note("t", seconds)
    learned = runs.shortest("t")
    assert learned == 2.0
    assert _polling.first_look(learned) == pytest.approx(2.0 + S.margin)
    assert runs.shortest("other") is None  # nothing learned of another template


def test_first_look_is_bounded() -> None:
    """A learned first look never waits past max_interval, nor comes before min_interval."""
    assert _polling.first_look(600.0) == S.max_interval
    assert _polling.first_look(0.0) == S.min_interval


def test_first_look_follows_the_no_delays_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    """With delays switched off, a learned first look is the test poll interval too."""
    monkeypatch.setattr(_retry, "_delays_disabled", True)
    monkeypatch.setattr(_retry, "_test_poll_interval", 0.01)
    assert _polling.first_look(5.0) == 0.01


def test_run_times_forget_old_runs_and_templates() -> None:
    """Only recent runs count (a template that got slower is learned again); memory is bounded."""
    runs = _polling.RunTimes()
    runs.note("t", 1.0)
    for _ in range(_polling.KEEP_RUNS):
        runs.note("t", 4.0)
    assert runs.shortest("t") == 4.0
    for i in range(_polling.KEEP_TEMPLATES + 5):
        runs.note(f"x{i}", 1.0)
    assert runs.shortest("t") is None  # the least recently noted template went first
    assert runs.shortest(f"x{_polling.KEEP_TEMPLATES + 4}") == 1.0
    assert len(runs._runs) == _polling.KEEP_TEMPLATES


def test_run_times_ignore_impossible_values() -> None:
    """A negative, infinite or NaN run time, or a flow without a template, teaches nothing."""
    runs = _polling.RunTimes()
    for seconds in (-1.0, float("inf"), float("nan")):
        runs.note("t", seconds)
    runs.note("", 1.0)
    assert runs.shortest("t") is None
    assert runs.shortest("") is None


def test_run_seconds_prefers_the_service_clock() -> None:
    """The service's own start and finish give the run time; the client's view is a fallback."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    end = start + timedelta(seconds=2)
    assert _polling.run_seconds(start, end, 9.0) == 2.0
    assert _polling.run_seconds(None, end, 9.0) == 9.0
    assert _polling.run_seconds(end, start, 9.0) == 9.0  # a finish before the start: not used
    assert _polling.run_seconds(start, end.replace(tzinfo=None), None) is None
