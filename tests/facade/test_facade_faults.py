"""Retries under the emulator's faults: never a second flow or input in its ledger."""

from __future__ import annotations

from pathlib import Path

import pytest

from generio import APIConnectionError, AsyncGenerio, Generio, RateLimitError, ServerError
from generio.testing import Emulator, sample_glb, sample_png
from tests.helpers.emulator import emulator_outputs, fired
from tests.helpers.facade import IMAGE_TEMPLATE, OPTIMIZE_TEMPLATE, PROMPT_TEMPLATE

CREATE_FAULTS = [
    "lost_response",
    "connection_reset",
    "rate_limit",
    "bad_gateway",
    "server_error",
    "unavailable",
    "truncated_json",
]


@pytest.mark.parametrize("kind", CREATE_FAULTS)
def test_create_under_fault_makes_one_flow(client: Generio, emu: Emulator, kind: str) -> None:
    """A fault on POST /flows is retried or reconciled: exactly one flow is created."""
    emu.add_fault(kind, "create_flow", count=1)
    result = client.run(PROMPT_TEMPLATE, "a chair", additional={"fault": kind})
    assert result.flow.state == "completed"
    assert [f.kind.value for f in emu.fault_log] == [kind]
    assert len(emu.ledger) == 1
    assert emu.ledger[0].flow_id == result.flow.id


def test_create_slow_answer_adopts_flow(emu: Emulator) -> None:
    """A POST /flows answer held past the read timeout: the flow is found, not duplicated."""
    # The answer is held a minute, the client waits 2 s: far apart whatever the machine's load.
    emu.add_fault("slow", "create_flow", count=1, delay=60.0)
    with Generio(emu.api_key, emu.base_url, timeout=2.0) as client:
        flow = client.flows.create(PROMPT_TEMPLATE, inputs=["a lamp"])
    assert [e.flow_id for e in emu.ledger] == [flow.id]
    assert fired(emu) == [("slow", "create_flow")]


def test_create_lost_every_time_never_duplicates(client: Generio, emu: Emulator) -> None:
    """Every POST /flows answer lost: each attempt's flow is adopted, still one flow."""
    emu.add_fault("lost_response", "create_flow")
    flow = client.flows.create(PROMPT_TEMPLATE, inputs=["a table"])
    assert [e.flow_id for e in emu.ledger] == [flow.id]
    assert [r.kind.value for r in emu.fault_log] == ["lost_response"]


def test_concurrent_identical_creates_get_distinct_flows(emu: Emulator) -> None:
    """Identical concurrent creates with lost answers each end with their own flow."""
    import anyio

    emu.add_fault("lost_response", "create_flow", rate=0.5)

    async def main() -> list[str]:
        async with AsyncGenerio(emu.api_key, emu.base_url, max_retries=5) as client:
            ids: list[str] = []

            async def one() -> None:
                flow = await client.flows.create(PROMPT_TEMPLATE, inputs=["same"])
                ids.append(flow.id)

            async with anyio.create_task_group() as group:
                for _ in range(6):
                    group.start_soon(one)
            return ids

    ids = anyio.run(main)
    assert len(set(ids)) == 6
    assert any(r.kind.value == "lost_response" for r in emu.fault_log)
    assert sorted(e.flow_id for e in emu.ledger) == sorted(ids)


@pytest.mark.parametrize("kind", ["lost_response", "connection_reset", "bad_gateway"])
def test_upload_under_fault_makes_one_input(client: Generio, emu: Emulator, kind: str) -> None:
    """A fault on POST /flows/{id}/inputs never leaves a second input."""
    flow = client.flows.create(IMAGE_TEMPLATE)
    emu.add_fault(kind, "upload_input", count=1)
    asset = client.flows.upload_input(flow.id, sample_png(), additional={"n": 1})
    inputs = client.flows.inputs(flow.id)
    assert [a.id for a in inputs] == [asset.id]
    assert emu.ledger[0].input_count == 1
    assert fired(emu) == [(kind, "upload_input")]


@pytest.mark.parametrize("kind", ["connection_reset", "bad_gateway", "rate_limit", "slow"])
def test_polling_survives_faults(emu: Emulator, kind: str) -> None:
    """GET faults while waiting are retried by the transport without the caller noticing."""
    # A slow answer is held a minute against a 2 s timeout: it always times out, and an
    # answer that is not held never does, however loaded the machine.
    emu.add_fault(kind, "get_flow", count=2, delay=60.0, retry_after=0)
    with Generio(emu.api_key, emu.base_url, timeout=2.0) as client:
        result = client.run(PROMPT_TEMPLATE, "a stool")
    assert result.flow.state == "completed"
    assert len(emu.fault_log) == 2


@pytest.mark.parametrize("kind", ["connection_reset", "truncated_json", "lost_response"])
def test_download_restarts_from_scratch(
    client: Generio, emu: Emulator, tmp_path: Path, kind: str
) -> None:
    """An interrupted download is retried whole; no partial or temporary file remains."""
    flow = client.flows.create(OPTIMIZE_TEMPLATE, inputs=[sample_glb()])
    client.flows.wait(flow.id)
    emu.add_fault(kind, "get_output", count=1)
    (path,) = client.flows.download_outputs(flow.id, tmp_path)
    assert fired(emu) == [(kind, "get_output")]
    assert [path.read_bytes()] == emulator_outputs(emu, flow.id)
    assert list(tmp_path.iterdir()) == [path]


def test_download_gives_up_without_leftovers(
    client: Generio, emu: Emulator, tmp_path: Path
) -> None:
    """When every attempt breaks off, the error surfaces and the directory stays empty."""
    flow = client.flows.create(OPTIMIZE_TEMPLATE, inputs=[sample_glb()])
    client.flows.wait(flow.id)
    emu.add_fault("truncated_json", "get_output")
    with pytest.raises(ServerError, match=r"cut short|could not be read"):
        client.flows.download_outputs(flow.id, tmp_path)
    assert list(tmp_path.iterdir()) == []
    assert len(emu.fault_log) > 1  # every attempt was cut
    assert {r.operation for r in emu.fault_log} == {"get_output"}


def test_rate_limited_beyond_budget(emu: Emulator) -> None:
    """Persistent 429s surface as RateLimitError after max_retries, creating nothing."""
    emu.add_fault("rate_limit", "create_flow", retry_after=2)
    with (
        Generio(emu.api_key, emu.base_url, max_retries=1) as client,
        pytest.raises(RateLimitError) as caught,
    ):
        client.flows.create(PROMPT_TEMPLATE, inputs=["a box"])
    assert caught.value.retry_after == 2.0
    assert emu.ledger == []
    assert len(emu.fault_log) == 2


def test_unreachable_service(emu: Emulator) -> None:
    """A port nobody listens on is an APIConnectionError after the retries."""
    with (
        Generio(emu.api_key, "http://127.0.0.1:9", max_retries=1) as client,
        pytest.raises(APIConnectionError, match="GET /templates"),
    ):
        client.templates.list()


def test_start_whose_answer_was_lost(client: Generio, emu: Emulator) -> None:
    """A start retried after a lost answer meets 409 from its own success: that is success."""
    flow = client.flows.create(PROMPT_TEMPLATE)
    client.flows.upload_input(flow.id, "a hat")
    emu.add_fault("lost_response", "update_flow", count=1)
    started = client.flows.start(flow.id)
    assert started.state in ("starting", "running", "completed")
    assert fired(emu) == [("lost_response", "update_flow")]


def test_abort_whose_answer_was_lost(client: Generio, emu: Emulator) -> None:
    """An abort retried after a lost answer that meets 409 on an aborting flow succeeds."""
    emu.flow_seconds = 30
    flow = client.flows.create(PROMPT_TEMPLATE, inputs=["a coat"])
    emu.add_fault("lost_response", "update_flow", count=1)
    assert client.flows.abort(flow.id).state in ("aborting", "aborted")
    assert fired(emu) == [("lost_response", "update_flow")]


def test_delete_whose_answer_was_lost(client: Generio, emu: Emulator) -> None:
    """A delete retried after a lost answer meets 404 from its own success: that is success."""
    flow = client.flows.create(PROMPT_TEMPLATE)
    emu.add_fault("lost_response", "delete_flow", count=1)
    assert client.flows.delete(flow.id) is None
    assert emu.ledger[0].deleted
    assert fired(emu) == [("lost_response", "delete_flow")]


def test_reconcile_compares_json_as_stored(client: Generio, emu: Emulator) -> None:
    """Values that change in a JSON round trip (tuples) still match: no second flow."""
    emu.add_fault("lost_response", "create_flow", count=1)
    flow = client.flows.create(
        PROMPT_TEMPLATE, inputs=["a rug"], parameters={"seed": 3}, additional={"pair": (1, 2)}
    )
    assert flow.additional == {"pair": [1, 2]}
    assert [e.flow_id for e in emu.ledger] == [flow.id]
    emu.add_fault("lost_response", "upload_input", count=1)
    created = client.flows.create(IMAGE_TEMPLATE)
    asset = client.flows.upload_input(created.id, sample_png(), additional=("front", 1))
    assert [a.id for a in client.flows.inputs(created.id)] == [asset.id]
    assert [r.operation for r in emu.fault_log] == ["create_flow", "upload_input"]
