"""AsyncGenerio on the event loops applications run it on, besides plain asyncio.

The quick start promises trio (through anyio), and uvicorn[standard] serves FastAPI apps on
uvloop. The rest of the suite drives the async client on plain asyncio, where its pools
speak asyncio directly (``generio/_http/native.py``); on uvloop they do too, over uvloop's
own transports, and on trio they keep httpcore's own backend. Each test here runs on both,
over loopback HTTP: a run that saves its model, the model streamed and downloaded again,
batches, a cancelled run (its flow aborted, no second one), and a close from another task.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import anyio
import pytest
import sniffio
import uvloop

from generio import AsyncGenerio, ClientClosedError, RunResult
from generio.testing import Emulator

PROMPT = "model_generate_fromprompt"
pytestmark = pytest.mark.anyio


@pytest.fixture(params=["trio", "uvloop"])
def anyio_backend(request: pytest.FixtureRequest) -> Any:
    """Run each test on trio, and on asyncio with uvloop's event loop."""
    if request.param == "uvloop":
        return ("asyncio", {"loop_factory": uvloop.new_event_loop})
    return "trio"


def _client(emu: Emulator) -> AsyncGenerio:
    return AsyncGenerio(api_key=emu.api_key, base_url=emu.base_url)


def _on_the_loop(anyio_backend: Any) -> None:
    """Check the test really runs on the loop its parameter names."""
    if anyio_backend == "trio":
        assert sniffio.current_async_library() == "trio"
    else:
        assert type(asyncio.get_running_loop()).__module__.startswith("uvloop")


async def test_run_saves_and_streams_the_same_model(
    emu: Emulator, tmp_path: Path, anyio_backend: Any
) -> None:
    """run() saves the model; stream_output and download_output give the same bytes."""
    _on_the_loop(anyio_backend)
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
    model = await anyio.Path(saved).read_bytes()
    assert model[:4] == b"glTF"
    assert bytes(streamed) == model == await anyio.Path(again).read_bytes()


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
    """A cancel scope around run(): the flow it created is aborted, and only one exists."""
    emu.flow_seconds = 30.0
    async with _client(emu) as client:
        with anyio.move_on_after(0.5) as scope:
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

    async with anyio.create_task_group() as group:
        group.start_soon(run)
        with anyio.fail_after(10):
            while not emu.ledger:  # noqa: ASYNC110 - the emulator runs in another thread
                await anyio.sleep(0.01)
        await client.aclose()
    (error,) = errors
    assert isinstance(error, ClientClosedError)
    assert error.generio_flow_id == emu.ledger[0].flow_id
