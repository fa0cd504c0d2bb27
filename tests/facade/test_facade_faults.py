"""Retries under the emulator's faults: never a second flow or input in its ledger."""

from __future__ import annotations

from pathlib import Path

import pytest

from generio import APIConnectionError, DownloadTimeoutError, Generio, RateLimitError
from generio.testing import Emulator, sample_glb, sample_png
from tests.helpers.emulator import emulator_outputs, fired
from tests.helpers.facade import IMAGE_TEMPLATE, OPTIMIZE_TEMPLATE, PROMPT_TEMPLATE, either_client


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


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_download_gives_up_without_leftovers(emu: Emulator, tmp_path: Path, kind: str) -> None:
    """When every attempt breaks off until download_timeout, the error names the flow."""
    with Generio(emu.api_key, emu.base_url) as setup:
        flow = setup.flows.create(OPTIMIZE_TEMPLATE, inputs=[sample_glb()])
        setup.flows.wait(flow.id)
    emu.add_fault("truncated_json", "get_output")
    with (
        either_client(kind, emu, download_timeout=1.0) as client,
        pytest.raises(DownloadTimeoutError, match="download_timeout") as caught,
    ):
        client.flows.download_outputs(flow.id, tmp_path)
    assert list(tmp_path.iterdir()) == []
    assert len(emu.fault_log) > 1  # every attempt was cut
    assert {r.operation for r in emu.fault_log} == {"get_output"}
    assert caught.value.generio_flow_id == flow.id  # type: ignore[attr-defined]


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
