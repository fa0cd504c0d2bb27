"""Waits hold on: poll failures are ridden out until the wait's own deadline."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from generio import AuthenticationError, Generio, NotFoundError, WaitTimeout
from generio._http import policy as _retry
from generio._http.policy import set_delays_disabled
from generio.testing import Emulator, no_delays
from tests.helpers.facade import PROMPT_TEMPLATE

# Share of GET /flows/{id} requests that fail, by kind (each rule rolls on what the ones
# before it let through, so the real shares are a little lower; together about half).
POLL_FAULTS = [
    ("unavailable", 0.2),
    ("connection_reset", 0.1),
    ("server_error", 0.1),
    ("truncated_json", 0.1),
    ("rate_limit", 0.1),
    ("bad_gateway", 0.1),
]


def _poll_faults(emu: Emulator) -> None:
    # Sure first: six failures in a row, two polls failed past their retries (3 attempts).
    emu.add_fault("connection_reset", "get_flow", count=6)
    for kind, rate in POLL_FAULTS:
        emu.add_fault(kind, "get_flow", rate=rate, retry_after=0)


@pytest.fixture
def delays(request: pytest.FixtureRequest) -> Iterator[None]:
    """Turn the real retry and poll delays on for one test (the suite zeroes them)."""
    previous = set_delays_disabled(not request.param)
    yield
    set_delays_disabled(previous)


@pytest.mark.parametrize("delays", [False, True], ids=["no-delays", "delays"], indirect=True)
def test_runs_complete_under_heavy_poll_faults(
    client: Generio, emu: Emulator, delays: None
) -> None:
    """With about half the polls failing, every run() still completes (max_retries=2)."""
    _poll_faults(emu)
    results = [client.run(PROMPT_TEMPLATE, f"a sturdy chair {i}") for i in range(4)]
    assert [r.flow.state for r in results] == ["completed"] * 4
    assert len(emu.fault_log) >= 6
    assert all(r.operation == "get_flow" for r in emu.fault_log)
    assert len(emu.ledger) == 4


def test_wait_rides_out_polls_that_fail_past_their_retries(client: Generio, emu: Emulator) -> None:
    """Twelve polls in a row failing (each past its retries) do not end wait()."""
    flow = client.flows.create(PROMPT_TEMPLATE, inputs="a patient table")
    emu.add_fault("unavailable", "get_flow", count=12 * 3, retry_after=0)
    done = client.flows.wait(flow.id)
    assert done.state == "completed"
    assert len(emu.fault_log) == 36


def test_wait_under_permanent_failure_ends_at_its_deadline(client: Generio, emu: Emulator) -> None:
    """Polls that never succeed end the wait at its timeout, as WaitTimeout, not earlier."""
    flow = client.flows.create(PROMPT_TEMPLATE, inputs="an unreachable table")
    emu.add_fault("connection_reset", "get_flow")
    with pytest.raises(WaitTimeout) as caught:
        client.flows.wait(flow.id, timeout=2.0)
    assert caught.value.flow_id == flow.id
    assert len(emu.fault_log) > 3


def test_not_found_ends_a_wait_at_once(client: Generio, emu: Emulator) -> None:
    """404 is a definite answer: the wait ends with NotFoundError."""
    with pytest.raises(NotFoundError):
        client.flows.wait("0123456789abcdef01234567")


def test_wrong_key_ends_a_wait_at_once(emu: Emulator) -> None:
    """401 is a definite answer: the wait ends with AuthenticationError."""
    with Generio(emu.api_key, emu.base_url) as good:
        flow = good.flows.create(PROMPT_TEMPLATE, inputs="a guarded chair")
    with (
        Generio("not-the-key-000000", emu.base_url) as bad,
        pytest.raises(AuthenticationError),
    ):
        bad.flows.wait(flow.id)


def test_no_delays_polls_a_flow_a_bounded_number_of_times(emu: Emulator) -> None:
    """Under no_delays(poll_interval=0.05) a 1 s flow is polled about 20 times, not thousands."""
    emu.flow_seconds = 1.0
    sent: list[str] = []
    previous = _retry.set_delays_disabled(False)  # undo the suite's fixture; no_delays redoes it
    try:
        with (
            httpx.Client(event_hooks={"request": [lambda r: sent.append(r.url.path)]}) as http,
            Generio(emu.api_key, emu.base_url, http_client=http) as client,
            no_delays(poll_interval=0.05),
        ):
            result = client.run(PROMPT_TEMPLATE, "a chair")
    finally:
        _retry.set_delays_disabled(previous)
    polls = sent.count(f"/flows/{result.flow.id}")
    assert result.flow.state == "completed"
    # 1 s at one look per 0.05 s is ~20 looks; back-to-back polling makes hundreds. Only the
    # upper bound matters, and a loaded machine can only lower the count: no lower bound.
    assert 1 <= polls <= 60
