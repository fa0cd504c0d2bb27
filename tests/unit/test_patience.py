"""Riding out transient failures on a finished flow's outputs: until download_timeout.

Through the fake driver (no HTTP, a fake clock moved by the job's own pauses): a listing
that fails again and again is asked again with backoff and a fresh budget, never past the
fetch's deadline; a definite answer ends it at once; progress_interval bounds the polls.
"""

from __future__ import annotations

import types
from typing import Any

import pytest

from generio import APIConnectionError, DownloadTimeoutError, NotFoundError, ServerError
from generio._http import policy as _retry
from generio._jobs import retries as retries_module
from generio._jobs import wait as wait_module
from generio._jobs.downloads import list_outputs_job
from generio._jobs.effects import Call
from generio._jobs.retries import Patience, is_transient
from generio._jobs.wait import wait_job
from generio._payload.error_body import error_from_response
from tests.helpers.fake_driver import FakeClock, FakeDriver, Step, new_state

LISTING = {"flow_id": "f1", "outputs": [{"asset_id": "a1", "status": "ready"}]}


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """Give the patience and the wait a clock moved only by the fake driver's sleeps."""
    fake = FakeClock()
    clock_module = types.SimpleNamespace(monotonic=fake.monotonic)
    monkeypatch.setattr(retries_module, "time", clock_module)
    monkeypatch.setattr(wait_module, "time", clock_module)
    monkeypatch.setattr(_retry, "_delays_disabled", False)
    monkeypatch.setattr(_retry, "_test_poll_interval", 0.0)
    monkeypatch.setattr(_retry, "jitter", lambda: 0.5)
    return fake


def _status(status: int, body: bytes = b'{"detail": "x"}') -> Exception:
    return error_from_response("GET", "/flows/f1/outputs", status, body, {})


def _lost() -> APIConnectionError:
    return APIConnectionError(
        "GET /flows/f1/outputs failed", method="GET", path="/flows/f1/outputs"
    )


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (_lost(), True),
        (_status(503), True),
        (_status(500), True),
        (_status(429), True),
        (_status(408), True),
        (_status(200, b"<html>"), True),  # a 2xx whose body cannot be read
        (_status(404), False),
        (_status(409), False),
        (_status(401), False),
        (DownloadTimeoutError("t", method="GET", path="/p"), False),
    ],
)
def test_what_counts_as_transient(error: Exception, transient: bool) -> None:
    """Connection errors, 408, 429, 5xx and unreadable 2xx are; limits and refusals are not."""
    assert is_transient(error) is transient


def test_listing_rides_out_failures_beyond_max_retries(clock: FakeClock) -> None:
    """Nine failures in a row with max_retries=0: the listing comes through, after backoff."""
    failures = [_lost(), _status(503), _status(429), _status(502)] * 2 + [_status(200, b"{")]
    steps = [Step("GET /flows/f1/outputs", f) for f in failures]
    driver = FakeDriver([*steps, Step("GET /flows/f1/outputs", LISTING)], clock)
    state = new_state(max_retries=0)
    listed = driver.drive(list_outputs_job(state, "f1"))
    driver.assert_done()
    assert [a.id for a in listed] == ["a1"]
    assert len(driver.slept) == 9
    assert driver.slept[:4] == [0.25, 0.5, 1.0, 2.0]  # backoff grows (jitter fixed at 0.5)
    assert max(driver.slept) <= _retry.BACKOFF_MAX


def test_listing_gives_up_at_download_timeout_with_the_last_failure(clock: FakeClock) -> None:
    """Failing until download_timeout: DownloadTimeoutError, caused by the last failure."""
    state = new_state()  # the default download_timeout: 30 min
    start = clock.now
    steps = [Step("GET /flows/f1/outputs", _status(503)) for _ in range(500)]
    driver = FakeDriver(steps, clock)
    with pytest.raises(DownloadTimeoutError) as caught:
        driver.drive(list_outputs_job(state, "f1"))
    timeout = state.settings.download_timeout
    assert timeout is not None
    # It gives up when the next pause would reach the deadline: never later, at most one
    # backoff earlier.
    assert timeout - _retry.BACKOFF_MAX <= clock.now - start <= timeout
    assert isinstance(caught.value.__cause__, ServerError)
    assert "attempt(s) failed, the last with: GET /flows/f1/outputs failed with HTTP 503" in str(
        caught.value
    )
    assert 10 < len(driver.slept) < 500


def test_a_definite_answer_ends_the_fetch_at_once(clock: FakeClock) -> None:
    """A 404 after two transient failures is raised as it is, with no more attempts."""
    steps = [Step("GET /flows/f1/outputs", e) for e in (_lost(), _status(503), _status(404))]
    driver = FakeDriver(steps, clock)
    with pytest.raises(NotFoundError):
        driver.drive(list_outputs_job(new_state(), "f1"))
    driver.assert_done()


def test_patience_without_a_deadline_never_ends() -> None:
    """download_timeout=None: a patience with no deadline."""
    assert Patience.start(None).deadline is None


def _flow(progress: float, state: str = "running") -> dict[str, object]:
    return {"flow_id": "f1", "template": "t", "state": state, "progress": progress}


def test_progress_interval_bounds_every_pause(clock: FakeClock) -> None:
    """With progress_interval=1, a 30 s flow is looked at every second (on_progress each)."""

    def answer(effect: Call[Any]) -> object:
        progress = min(1.0, (clock.now - 1000.0) / 30.0)
        return effect.op.parse(_flow(progress, "completed" if progress >= 1.0 else "running"))

    driver = FakeDriver([Step("GET /flows/f1", answer) for _ in range(200)], clock)
    seen: list[float] = []
    job = wait_job(
        new_state(), "f1", timeout=None, on_progress=lambda f: seen.append(f.progress),
        progress_interval=1.0,
    )  # fmt: skip
    driver.drive(job)
    assert max(driver.slept) <= 1.0 + 1e-9
    assert 29 <= len(seen) <= 33  # one call per second of a 30 s flow


def test_progress_interval_has_a_floor(clock: FakeClock) -> None:
    """A progress_interval below 0.2 s polls every 0.2 s, not faster."""
    from generio._jobs.wait import check_progress_interval

    assert check_progress_interval(0.01) == pytest.approx(0.2)
    assert check_progress_interval(None) is None
