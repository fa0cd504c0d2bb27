"""AsyncGenerio under trio, as the quick start promises ("asyncio or trio, through anyio").

The rest of the suite drives the async client on asyncio, where its pools speak asyncio
directly (``generio/_http/native.py``); under trio they keep httpcore's own backend. These
tests run the main calls on trio over loopback HTTP: a run that saves its model, the model
streamed and downloaded again, batches, a cancelled run (its flow aborted, no second one),
and a close from another task.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sniffio
import trio

from generio import AsyncGenerio, ClientClosedError, RunResult
from generio.testing import Emulator

PROMPT = "model_generate_fromprompt"
pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    """Run this module's tests on trio."""
    return "trio"


def _client(emu: Emulator) -> AsyncGenerio:
    return AsyncGenerio(api_key=emu.api_key, base_url=emu.base_url)


async def test_run_saves_and_streams_the_same_model(emu: Emulator, tmp_path: Path) -> None:
    """run() saves the model; stream_output and download_output give the same bytes."""
    assert sniffio.current_async_library() == "trio"
    async with _client(emu) as client:
        result = await client.run(PROMPT, "a wooden chair", out_dir=tmp_path)
        assert result.flow.state == "completed"
        (saved,) = result.paths
        output = result.outputs[0]
        streamed = bytearray()
        async with client.flows.stream_output(result.flow.id, output.id) as stream:
            async for chunk in stream:
                streamed += chunk
        again = await client.flows.download_output(result.flow.id, output.id, tmp_path / "again")
    model = await trio.Path(saved).read_bytes()
    assert model[:4] == b"glTF"
    assert bytes(streamed) == model == await trio.Path(again).read_bytes()


async def test_batches_send_only_their_flows_requests(emu: Emulator, tmp_path: Path) -> None:
    """run_many and iter_run_many finish every job; unkeyed, they never list the account."""
    jobs = [{"template": PROMPT, "inputs": f"a stool {i}", "out_dir": tmp_path} for i in range(6)]
    async with _client(emu) as client:
        results = await client.run_many(jobs, concurrency=3)
        seen = {index: outcome async for index, outcome in client.iter_run_many(jobs[:3])}
    assert all(isinstance(r, RunResult) and r.flow.state == "completed" for r in results)
    assert sorted(seen) == [0, 1, 2]
    assert all(isinstance(outcome, RunResult) for outcome in seen.values())
    counts = emu.request_counts
    assert counts.get("create_flow") == len(emu.ledger) == 9
    assert "list_flows" not in counts


async def test_cancelled_run_aborts_its_flow(emu: Emulator) -> None:
    """A trio cancel scope around run(): the flow it created is aborted, and only one exists."""
    emu.flow_seconds = 30.0
    async with _client(emu) as client:
        with trio.move_on_after(0.5) as scope:
            await client.run(PROMPT, "a lamp that takes long")
        assert scope.cancelled_caught
        (entry,) = emu.ledger
        flow = await client.flows.get(entry.flow_id)
    assert flow.state in ("aborting", "aborted")


async def test_close_from_another_task_ends_the_run(emu: Emulator) -> None:
    """aclose() from a sibling task: the run's task gets ClientClosedError naming its flow."""
    emu.flow_seconds = 30.0
    client = _client(emu)
    errors: list[BaseException] = []

    async def run() -> None:
        try:
            await client.run(PROMPT, "a table", on_interrupt="keep")
        except ClientClosedError as exc:
            errors.append(exc)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(run)
        with trio.fail_after(10):
            while not emu.ledger:  # noqa: ASYNC110 - the emulator runs in another thread
                await trio.sleep(0.01)
        await client.aclose()
    (error,) = errors
    assert isinstance(error, ClientClosedError)
    assert error.generio_flow_id == emu.ledger[0].flow_id
