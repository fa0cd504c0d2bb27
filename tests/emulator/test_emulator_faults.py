"""Fault injection over HTTP: each kind, where it applies, how often, and its log."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx
import pytest

from generio.testing import Emulator, Fault, FaultKind
from tests.helpers.clock import EmulatorClock
from tests.helpers.emulator import Api

PROMPT = {"template": "model_generate_fromprompt", "inputs": [{"data": "a chair"}]}


@pytest.fixture
def flow_id(api: Api) -> str:
    """Create a flow before any fault is configured."""
    return api.create()["flow_id"]


def test_rate_limit_is_429_with_retry_after_seconds(api: Api, flow_id: str) -> None:
    """rate_limit answers 429 with Retry-After in seconds, without running the request."""
    api.emulator.add_fault("rate_limit", "get_flow", retry_after=3)
    response = api.client.get(f"/flows/{flow_id}")
    assert response.status_code == 429
    assert response.headers["retry-after"] == "3"
    assert "detail" in response.json()


def test_rate_limit_can_send_an_http_date(api: Api, flow_id: str) -> None:
    """With http_date, Retry-After is an HTTP date no earlier than the requested delay."""
    api.emulator.add_fault(FaultKind.RATE_LIMIT, "get_flow", retry_after=2, http_date=True)
    before = datetime.now(UTC)
    response = api.client.get(f"/flows/{flow_id}")
    assert response.status_code == 429
    when = parsedate_to_datetime(response.headers["retry-after"])
    assert 2 <= (when - before).total_seconds() <= 3.5


def test_rate_limited_create_creates_nothing(api: Api) -> None:
    """A 429 on POST /flows does not create (or bill) a flow."""
    api.emulator.add_fault("rate_limit", "create_flow")
    assert api.client.post("/flows", json=PROMPT).status_code == 429
    assert api.emulator.ledger == []


def test_server_error_is_500_json(api: Api, flow_id: str) -> None:
    """server_error answers 500 with a JSON detail."""
    api.emulator.add_fault("server_error", "get_flow")
    response = api.client.get(f"/flows/{flow_id}")
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal Server Error"}


def test_bad_gateway_is_502_html(api: Api, flow_id: str) -> None:
    """bad_gateway answers 502 with an HTML page, as a proxy does."""
    api.emulator.add_fault("bad_gateway", "get_flow")
    response = api.client.get(f"/flows/{flow_id}")
    assert response.status_code == 502
    assert response.headers["content-type"] == "text/html"
    assert "<h1>502 Bad Gateway</h1>" in response.text
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_unavailable_is_503_with_retry_after(api: Api, flow_id: str) -> None:
    """The unavailable fault answers 503 with a JSON detail and Retry-After."""
    api.emulator.add_fault("unavailable", "get_flow")
    response = api.client.get(f"/flows/{flow_id}")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert "detail" in response.json()


def test_connection_reset_is_a_transport_error_and_runs_nothing(api: Api) -> None:
    """connection_reset resets the TCP connection before running the request."""
    api.emulator.add_fault("connection_reset", "create_flow", count=1)
    with pytest.raises(httpx.ReadError, match="reset"):
        api.client.post("/flows", json=PROMPT)
    assert api.emulator.ledger == []
    assert api.client.post("/flows", json=PROMPT).status_code == 200


def test_lost_response_runs_the_request_then_drops_the_connection(api: Api) -> None:
    """lost_response creates the flow, then closes the connection without answering."""
    api.emulator.add_fault("lost_response", "create_flow")
    with pytest.raises(httpx.RemoteProtocolError):
        api.client.post("/flows", json=PROMPT)
    (entry,) = api.emulator.ledger
    assert entry.template == "model_generate_fromprompt"


def test_slow_runs_the_request_and_outlasts_the_timeout(api: Api) -> None:
    """The slow fault creates the flow, then holds the answer back past the client's timeout."""
    api.emulator.add_fault("slow", "create_flow", delay=60.0)
    with pytest.raises(httpx.ReadTimeout):
        api.client.post("/flows", json=PROMPT, timeout=1.0)
    assert len(api.emulator.ledger) == 1


def test_slow_answers_in_full_after_the_delay(api: Api, flow_id: str) -> None:
    """A client that waits long enough gets the complete, correct answer."""
    api.emulator.add_fault("slow", "get_flow", delay=0.3)
    started = time.monotonic()
    response = api.client.get(f"/flows/{flow_id}")
    assert time.monotonic() - started >= 0.3
    assert response.json()["flow_id"] == flow_id


def test_truncated_json_is_a_200_with_half_a_body(api: Api, flow_id: str) -> None:
    """truncated_json answers 200 with a cut JSON body and a matching Content-Length."""
    api.emulator.add_fault("truncated_json", "get_flow")
    response = api.client.get(f"/flows/{flow_id}")
    assert response.status_code == 200
    assert int(response.headers["content-length"]) == len(response.content)
    assert response.content.startswith(b'{"flow_id":')
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_fail_flow_fails_the_flow_with_partial_outputs(api: Api) -> None:
    """fail_flow ends the flow `failed`: earlier inputs have outputs, the last an error."""
    api.emulator.add_fault("fail_flow")
    inputs = [{"data": f"object {i}", "additional": i} for i in range(3)]
    flow = api.create(inputs=inputs)
    done = api.wait(flow["flow_id"])
    assert done["state"] == "failed"
    assert done["progress"] < 1.0
    outputs = api.client.get(f"/flows/{flow['flow_id']}/outputs", params={"include_data": True})
    ready, failed = outputs.json()["outputs"][:2], outputs.json()["outputs"][2]
    assert [o["status"] for o in ready] == ["ready", "ready"]
    assert all(o["data"].startswith("data:model/gltf-binary") for o in ready)
    assert failed["status"] == "error"
    assert failed["error"]
    assert failed["data"] is None
    assert failed["additional"] == 2
    (record,) = api.emulator.fault_log
    assert record.flow_id == flow["flow_id"]


def test_unknown_state_is_reported_for_part_of_the_run(api: Api, emu_clock: EmulatorClock) -> None:
    """unknown_state shows the given state first, then the real ones to completion."""
    api.emulator.add_fault("unknown_state", "create_flow", state="queued")
    api.emulator.flow_seconds = 0.6
    flow = api.create(inputs=[{"data": "a chair"}])
    seen = [flow["state"]]
    for _ in range(6):  # 0.1 s of the emulator's time between looks, to completion
        emu_clock.advance(0.1)
        seen.append(api.flow(flow["flow_id"])["state"])
    emu_clock.advance(0.01)
    seen.append(api.flow(flow["flow_id"])["state"])
    assert seen[0] == "queued"
    assert "running" in seen
    assert seen[-1] == "completed"
    assert seen.index("running") > seen.index("queued")
    assert api.emulator.ledger[0].state == "completed"
    assert [r.kind.value for r in api.emulator.fault_log] == ["unknown_state"]


def test_faults_only_hit_their_operation(api: Api, flow_id: str) -> None:
    """A fault on get_flow leaves other operations alone."""
    api.emulator.add_fault("server_error", "get_flow")
    assert api.client.get("/flows").status_code == 200
    assert api.client.get(f"/flows/{flow_id}/inputs").status_code == 200
    assert api.client.get(f"/flows/{flow_id}").status_code == 500


def test_count_limits_how_often_a_fault_fires(api: Api, flow_id: str) -> None:
    """A fault with count=2 hits the next two matching requests, then stops."""
    api.emulator.add_fault("server_error", "*", count=2)
    statuses = [api.client.get(f"/flows/{flow_id}").status_code for _ in range(4)]
    assert statuses == [500, 500, 200, 200]


def _statuses(seed: int, requests: int = 40) -> list[int]:
    """Statuses of GET /templates under a 50% rate limit, for one seeded emulator."""
    with Emulator(seed=seed, faults=[Fault("rate_limit", "*", rate=0.5)]) as emu:
        headers = {"Authorization": f"Bearer {emu.api_key}"}
        with httpx.Client(base_url=emu.base_url, headers=headers) as http:
            return [http.get("/templates").status_code for _ in range(requests)]


def test_seeded_faults_are_reproducible() -> None:
    """The same seed and requests give the same faults; the rate is honoured."""
    first, again, other = _statuses(7), _statuses(7), _statuses(8)
    assert first == again
    assert first != other
    assert 8 <= first.count(429) <= 32


def test_the_fault_log_records_what_was_injected(api: Api, flow_id: str) -> None:
    """Each injected fault is logged with kind, operation, method, path and time."""
    api.emulator.add_fault("unavailable", "get_flow", count=1)
    api.emulator.add_fault("bad_gateway", "list_flows", count=1)
    before = datetime.now(UTC)
    api.client.get(f"/flows/{flow_id}")
    api.client.get("/flows")
    api.client.get("/flows")
    first, second = api.emulator.fault_log
    assert (first.kind, first.operation, first.method, first.path) == (
        FaultKind.UNAVAILABLE,
        "get_flow",
        "GET",
        f"/flows/{flow_id}",
    )
    assert (second.kind, second.operation, second.flow_id) == (
        FaultKind.BAD_GATEWAY,
        "list_flows",
        None,
    )
    assert before <= first.at <= second.at


def test_clear_faults_keeps_the_log(api: Api, flow_id: str) -> None:
    """clear_faults stops injection; the log of past faults stays until reset."""
    api.emulator.add_fault("server_error")
    assert api.client.get(f"/flows/{flow_id}").status_code == 500
    api.emulator.clear_faults()
    assert api.emulator.faults == []
    assert api.client.get(f"/flows/{flow_id}").status_code == 200
    assert len(api.emulator.fault_log) == 1


def test_reset_restores_a_fresh_start() -> None:
    """Reset drops flows, ledger, log and added faults, and restores constructor faults."""
    initial = Fault("server_error", "list_templates", count=1)
    with Emulator(faults=[initial], flow_seconds=0.1) as emu:
        headers = {"Authorization": f"Bearer {emu.api_key}"}
        with httpx.Client(base_url=emu.base_url, headers=headers) as http:
            assert http.get("/templates").status_code == 500
            assert http.get("/templates").status_code == 200
            emu.add_fault("bad_gateway", "get_flow")
            emu.flow_seconds = 3
            http.post("/flows", json=PROMPT)
            emu.reset()
            assert emu.ledger == []
            assert emu.fault_log == []
            assert emu.faults == [initial]
            assert emu.flow_seconds == 0.1
            assert http.get("/flows").json() == {"flows": []}
            assert http.get("/templates").status_code == 500


def test_admin_routes_need_the_key_and_get_no_faults(api: Api) -> None:
    """/_emulator/ routes answer 401 without the key and are never faulted."""
    api.emulator.add_fault("server_error", "*")
    assert api.client.get("/_emulator/ledger").status_code == 200
    assert httpx.get(f"{api.emulator.base_url}/_emulator/ledger").status_code == 401


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"kind": "earthquake"}, "unknown fault kind"),
        ({"kind": "slow", "operation": "get_everything"}, "unknown operation"),
        ({"kind": "fail_flow", "operation": "get_flow"}, "create_flow"),
        ({"kind": "slow", "rate": 1.5}, "between 0 and 1"),
        ({"kind": "slow", "count": 0}, "at least 1"),
    ],
)
def test_invalid_faults_are_refused(arguments: dict[str, object], message: str) -> None:
    """Faults with an unknown kind or operation, or out-of-range numbers, raise ValueError."""
    with pytest.raises(ValueError, match=message):
        Fault(**arguments)  # type: ignore[arg-type]


@pytest.fixture
def seeded() -> Iterator[Emulator]:
    """Start an emulator of its own, for the ledger tests that count flows."""
    with Emulator(flow_seconds=0.1, seed=1) as emu:
        yield emu


def test_the_ledger_counts_duplicates_a_retry_creates(seeded: Emulator) -> None:
    """After a lost response and a retry, the ledger shows both created flows."""
    seeded.add_fault("lost_response", "create_flow", count=1)
    headers = {"Authorization": f"Bearer {seeded.api_key}"}
    body = {**PROMPT, "parameters": {"seed": 3}, "additional": {"job": 1}}
    with httpx.Client(base_url=seeded.base_url, headers=headers) as http:
        with pytest.raises(httpx.TransportError):
            http.post("/flows", json=body)
        retried = http.post("/flows", json=body).json()
        entries = seeded.ledger
        assert len(entries) == 2
        assert entries[1].flow_id == retried["flow_id"]
        assert {
            (e.template, e.parameters["seed"], e.additional["job"], e.input_count) for e in entries
        } == {("model_generate_fromprompt", 3, 1, 1)}
        time.sleep(0.15)
        for entry in seeded.ledger:
            assert entry.state == "completed"
            assert entry.completed_at == entry.finished_at
            assert entry.started_at is not None
            assert entry.completed_at is not None
            assert (entry.completed_at - entry.started_at).total_seconds() == pytest.approx(
                0.1, abs=2e-6
            )
            assert not entry.deleted
