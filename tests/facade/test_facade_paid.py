"""A paid flow's outputs: never given up to a transient error; errors name the flow.

Fetching the outputs of a completed flow rides out connection errors, 5xx, 429 and
unreadable answers until ``download_timeout`` (not ``max_retries``); what is raised once a
flow exists carries ``generio_flow_id`` and advice that never buys the model again. Both
clients, under the emulator's faults and a variant server of our own.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from generio import (
    DownloadTimeoutError,
    FlowFailed,
    Generio,
    GenerioError,
    Job,
    PermissionDeniedError,
    WaitTimeout,
)
from generio.testing import Emulator
from tests.helpers.emulator import emulator_outputs, fired
from tests.helpers.facade import (
    FLOW_JSON,
    KEY,
    MOCK_URL,
    OPTIMIZE_TEMPLATE,
    PROMPT_TEMPLATE,
    either_client,
)
from tests.helpers.variant_server import VariantServer

KINDS = ["sync", "async"]


@pytest.mark.parametrize("kind", KINDS)
def test_run_in_memory_rides_out_output_faults_beyond_max_retries(emu: Emulator, kind: str) -> None:
    """503s, 429s, resets and cut JSON on the outputs, max_retries=0: run() still completes."""
    emu.add_fault("unavailable", "list_outputs", count=2, retry_after=0)
    emu.add_fault("truncated_json", "list_outputs", count=1)
    emu.add_fault("rate_limit", "list_outputs", count=2, retry_after=0)
    emu.add_fault("connection_reset", "list_outputs", count=2)
    with either_client(kind, emu, max_retries=0) as client:
        result = client.run(PROMPT_TEMPLATE, "a bench")
    assert len(emu.fault_log) == 7
    assert {operation for _, operation in fired(emu)} == {"list_outputs"}
    assert [o.data for o in result.outputs] == emulator_outputs(emu, result.flow.id)
    assert len(emu.ledger) == 1


@pytest.mark.parametrize("kind", KINDS)
def test_run_to_files_rides_out_download_faults(emu: Emulator, kind: str, tmp_path: Path) -> None:
    """Downloads broken five times in a row, max_retries=0: the files are whole, one flow."""
    emu.add_fault("bad_gateway", "get_output", count=2)
    emu.add_fault("truncated_json", "get_output", count=2)
    emu.add_fault("lost_response", "get_output", count=1)
    with either_client(kind, emu, max_retries=0) as client:
        result = client.run(PROMPT_TEMPLATE, "a shelf", out_dir=tmp_path)
    assert [p.read_bytes() for p in result.paths] == emulator_outputs(emu, result.flow.id)
    assert sorted(tmp_path.iterdir()) == list(result.paths)
    assert len(emu.fault_log) == 5
    assert len(emu.ledger) == 1


@pytest.mark.parametrize("kind", KINDS)
def test_outputs_and_output_ride_out_faults(emu: Emulator, kind: str) -> None:
    """flows.outputs and flows.output of a finished flow outlast four faults each."""
    with either_client(kind, emu, max_retries=0) as client:
        flow = client.flows.create(PROMPT_TEMPLATE, inputs=["a vase"])
        client.flows.wait(flow.id)
        emu.add_fault("server_error", "list_outputs", count=4)
        (listed,) = client.flows.outputs(flow.id)
        emu.add_fault("unavailable", "get_output", count=4, retry_after=0)
        fetched = client.flows.output(flow.id, listed.id)
    assert [fetched.data] == emulator_outputs(emu, flow.id)
    assert len(emu.fault_log) == 8


@pytest.mark.parametrize("kind", KINDS)
def test_paid_outputs_unreachable_name_the_flow_and_never_advise_paying_again(
    emu: Emulator, kind: str
) -> None:
    """After download_timeout the error names the flow and how to fetch its outputs."""
    emu.add_fault("unavailable", "list_outputs", retry_after=0)
    with (
        either_client(kind, emu, download_timeout=1.0) as client,
        pytest.raises(DownloadTimeoutError) as caught,
    ):
        client.run(PROMPT_TEMPLATE, "a desk", idempotency_key="desk-1")
    (entry,) = emu.ledger
    error = caught.value
    text = str(error)
    assert error.generio_flow_id == entry.flow_id  # type: ignore[attr-defined]
    assert f"flow {entry.flow_id} completed and is paid for" in text
    assert f"client.flows.download_outputs({entry.flow_id!r}, DIR)" in text
    assert "idempotency_key='desk-1'" in text
    assert "retry later" not in text
    assert "attempt(s) failed, the last with: GET" in text  # told, and chained
    assert isinstance(error.__cause__, GenerioError)
    assert {kind for kind, _ in fired(emu)} == {"unavailable"}
    emu.clear_faults()
    with either_client(kind, emu) as client:
        again = client.run(PROMPT_TEMPLATE, "a desk", idempotency_key="desk-1")
    assert again.flow.id == entry.flow_id
    assert len(emu.ledger) == 1  # fetched, not bought again


@pytest.mark.parametrize("kind", KINDS)
def test_variant_server_losing_output_answers_is_ridden_out(emu: Emulator, kind: str) -> None:
    """A server of our own that does the work but loses the answer (500) on output calls."""
    with VariantServer(emu, "ids_as_id") as server:
        server.lose_next("list_outputs")
        server.lose_next("get_output")
        with either_client(kind, emu, base_url=server.base_url, max_retries=0) as client:
            result = client.run(PROMPT_TEMPLATE, "a crate")
        listings = server.count("GET", f"/flows/{result.flow.id}/outputs")
    assert [o.data for o in result.outputs] == emulator_outputs(emu, result.flow.id)
    assert listings == 2  # the lost answer, then the one that came through
    assert len(emu.ledger) == 1


@pytest.mark.parametrize("kind", KINDS)
def test_wait_timeout_in_run_carries_the_flow_id(emu: Emulator, kind: str) -> None:
    """run()'s WaitTimeout names its flow as generio_flow_id (and .flow_id)."""
    emu.flow_seconds = 3600
    with either_client(kind, emu) as client, pytest.raises(WaitTimeout) as caught:
        client.run(PROMPT_TEMPLATE, "a tent", timeout=0)
    (entry,) = emu.ledger
    assert caught.value.generio_flow_id == caught.value.flow_id == entry.flow_id  # type: ignore[attr-defined]


def _refuses_polls(request: httpx.Request) -> httpx.Response:
    """Create a flow, then refuse every look at it (403)."""
    if request.method == "POST":
        return httpx.Response(200, json={**FLOW_JSON, "state": "starting", "progress": 0.0})
    if request.url.path.startswith("/templates/"):
        return httpx.Response(200, json={"template_id": "t1", "name": PROMPT_TEMPLATE})
    return httpx.Response(403, json={"detail": "not yours"})


def test_error_while_waiting_names_the_flow_and_how_to_pick_it_up() -> None:
    """A 403 while waiting names the flow and says to wait for it, not to run() again."""
    http = httpx.Client(transport=httpx.MockTransport(_refuses_polls))
    with (
        Generio(KEY, MOCK_URL, http_client=http) as client,
        pytest.raises(PermissionDeniedError) as caught,
    ):
        client.run(PROMPT_TEMPLATE, "a kite")
    assert caught.value.generio_flow_id == "f1"  # type: ignore[attr-defined]
    assert "pick it up with client.flows.wait('f1')" in str(caught.value)
    assert "check that this key's account" in str(caught.value)  # its own advice stays


@pytest.mark.parametrize("kind", KINDS)
def test_flow_calls_name_their_flow_in_errors(emu: Emulator, kind: str) -> None:
    """Errors of calls about a flow (get, wait, outputs, abort) carry generio_flow_id."""
    missing = "0123456789abcdef01234567"
    with either_client(kind, emu) as client:
        for call in (
            lambda: client.flows.get(missing),
            lambda: client.flows.wait(missing),
            lambda: client.flows.outputs(missing),
            lambda: client.flows.abort(missing),
            lambda: client.flows.download_output(missing, "a1", "."),
        ):
            with pytest.raises(GenerioError) as caught:
                call()
            assert caught.value.generio_flow_id == missing  # type: ignore[attr-defined]


@pytest.mark.parametrize("kind", KINDS)
def test_chained_job_failure_names_every_steps_flow(emu: Emulator, kind: str) -> None:
    """A chain stopped at step 2 by a WaitTimeout lists both steps' flows, plainly."""
    jobs: list[Job] = [
        {
            "template": PROMPT_TEMPLATE,
            "inputs": "a lamp",
            "then": {"template": OPTIMIZE_TEMPLATE, "timeout": 0},
        }
    ]
    emu.flow_seconds = 0.1
    with either_client(kind, emu) as client:
        (outcome,) = client.run_many(jobs)
    assert isinstance(outcome, WaitTimeout)
    first, second = (entry.flow_id for entry in emu.ledger)
    assert outcome.generio_flow_ids == [first, second]  # type: ignore[attr-defined]
    assert outcome.generio_flow_id == second  # type: ignore[attr-defined]
    assert outcome.generio_step == 2  # type: ignore[attr-defined]


@pytest.mark.parametrize("kind", KINDS)
def test_failed_step_of_a_chain_is_named_too(emu: Emulator, kind: str) -> None:
    """A chain whose first step's flow fails: FlowFailed lists that step's flow."""
    emu.add_fault("fail_flow", "create_flow", count=1)
    jobs: list[Job] = [
        {"template": PROMPT_TEMPLATE, "inputs": "a rug", "then": {"template": OPTIMIZE_TEMPLATE}}
    ]
    with either_client(kind, emu) as client:
        (outcome,) = client.run_many(jobs)
    assert isinstance(outcome, FlowFailed)
    (entry,) = emu.ledger
    assert outcome.generio_flow_ids == [entry.flow_id]  # type: ignore[attr-defined]
    assert outcome.generio_step == 1  # type: ignore[attr-defined]
