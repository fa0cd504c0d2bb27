"""run(): the one-call path, chaining outputs into inputs, failures and interruption."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest

from generio import FlowFailed, Generio, RunResult, WaitTimeout
from generio._jobs.state import Lifecycle
from generio.testing import Emulator, sample_glb, sample_jpeg, sample_png
from tests.helpers.emulator import emulator_outputs
from tests.helpers.facade import IMAGE_TEMPLATE, OPTIMIZE_TEMPLATE, PROMPT_TEMPLATE


def test_run_in_memory(client: Generio, emu: Emulator) -> None:
    """Without out_dir, run() returns outputs whose .data holds the model."""
    progress: list[float] = []
    result = client.run(
        PROMPT_TEMPLATE, "a wooden chair", on_progress=lambda f: progress.append(f.progress)
    )
    assert isinstance(result, RunResult)
    assert result.flow.state == "completed"
    assert result.paths == ()
    assert len(result.outputs) == 1
    assert result.outputs[0].mime_type == "model/gltf-binary"
    assert [result.outputs[0].data] == emulator_outputs(emu, result.flow.id)
    assert progress[-1] == 1.0
    assert len(emu.ledger) == 1


def test_run_to_directory(client: Generio, emu: Emulator, tmp_path: Path) -> None:
    """With out_dir, run() writes each output to a file and fills .paths."""
    result = client.run(IMAGE_TEMPLATE, [sample_png(), sample_jpeg()], out_dir=tmp_path / "o")
    assert len(result.paths) == 2
    assert all(p.parent == tmp_path / "o" and p.suffix == ".glb" for p in result.paths)
    assert [p.read_bytes() for p in result.paths] == emulator_outputs(emu, result.flow.id)
    assert [o.path for o in result.outputs] == list(result.paths)
    assert all(o.mime_type == "model/gltf-binary" for o in result.outputs)
    assert all(o.data == o.path.read_bytes() for o in result.outputs if o.path)
    short = result.flow.id[-8:]
    assert [p.name for p in result.paths] == [f"output-{short}-0.glb", f"output-{short}-1.glb"]


def test_run_accepts_every_input_kind(client: Generio, tmp_path: Path) -> None:
    """A Path, bytes, a file object and a data URI all become inputs."""
    png = tmp_path / "view.png"
    png.write_bytes(sample_png())
    from generio import data_uri

    inputs = [png, sample_jpeg(), io.BytesIO(sample_png()), data_uri.encode(sample_png())]
    result = client.run(IMAGE_TEMPLATE, inputs)
    assert len(result.outputs) == 4


def test_chain_generate_then_optimize(client: Generio, emu: Emulator) -> None:
    """An output Asset feeds the next flow as it is, without a local re-encode."""
    generated = client.run(PROMPT_TEMPLATE, "a round table")
    optimized = client.run(
        OPTIMIZE_TEMPLATE, generated.outputs[0], parameters={"polygon_count": 500}
    )
    assert [optimized.outputs[0].data] == emulator_outputs(emu, optimized.flow.id)
    assert [e.template for e in emu.ledger] == [PROMPT_TEMPLATE, OPTIMIZE_TEMPLATE]


def test_chain_from_asset_without_data(client: Generio, tmp_path: Path) -> None:
    """An output Asset listed without data is fetched, then passed on."""
    generated = client.run(PROMPT_TEMPLATE, "a sofa", out_dir=tmp_path)
    assert not generated.outputs[0].has_data  # saved to a file, not carried
    optimized = client.run(OPTIMIZE_TEMPLATE, generated.outputs[0])
    assert optimized.flow.state == "completed"


def test_run_failed_flow_raises_with_partial_outputs(client: Generio, emu: Emulator) -> None:
    """A flow that ends failed raises FlowFailed carrying the flow and its outputs."""
    emu.add_fault("fail_flow", "create_flow")
    with pytest.raises(FlowFailed) as caught:
        client.run(OPTIMIZE_TEMPLATE, [sample_glb(), sample_glb()])
    failure = caught.value
    assert failure.flow.state == "failed"
    assert len(failure.outputs) == 2
    assert failure.outputs[-1].error
    assert "failed" in str(failure)


def test_a_failed_flow_whose_outputs_cannot_be_listed_says_so(
    client: Generio, emu: Emulator
) -> None:
    """No partial outputs because the listing failed: the FlowFailed says that, not silence."""
    emu.add_fault("fail_flow", "create_flow")
    emu.add_fault("server_error", "list_outputs")
    with pytest.raises(FlowFailed) as caught:
        client.run(OPTIMIZE_TEMPLATE, [sample_glb(), sample_glb()])
    failure = caught.value
    assert (failure.flow.state, failure.outputs) == ("failed", ())
    notes = "\n".join(getattr(failure, "__notes__", []))
    assert "partial outputs could not be listed" in notes
    assert f"flows.outputs({failure.flow.id!r})" in notes
    emu.clear_faults()
    assert len(client.flows.outputs(failure.flow.id)) == 2  # they were there all along


def test_run_timeout_leaves_flow_running(client: Generio, emu: Emulator) -> None:
    """run(timeout=0) raises WaitTimeout and does not abort the flow."""
    emu.flow_seconds = 30
    with pytest.raises(WaitTimeout) as caught:
        client.run(PROMPT_TEMPLATE, "a cupboard", timeout=0)
    assert client.flows.get(caught.value.flow_id).state in ("starting", "running")


def test_run_keyboard_interrupt_aborts(sync_client: Generio, emu: Emulator) -> None:
    """Ctrl-C while waiting aborts the flow run() created, then propagates."""
    emu.flow_seconds = 30

    def interrupt(_flow: object) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sync_client.run(PROMPT_TEMPLATE, "a chest", on_progress=interrupt)
    (entry,) = emu.ledger
    assert entry.state in ("aborting", "aborted")


BACKENDS = pytest.mark.parametrize(
    "backend", [None, "asyncio", "trio"], ids=["sync", "asyncio", "trio"]
)


def _run_until_interrupted(emu: Emulator, backend: str | None) -> KeyboardInterrupt:
    """run() a slow flow on a fresh client of ``backend`` (None: Generio); its Ctrl-C."""
    import anyio

    from generio import AsyncGenerio

    emu.flow_seconds = 30

    async def scenario() -> None:
        async with AsyncGenerio(emu.api_key, emu.base_url) as client:
            await client.run(PROMPT_TEMPLATE, "a chest")

    def run() -> None:
        if backend is None:
            with Generio(emu.api_key, emu.base_url) as client:
                client.run(PROMPT_TEMPLATE, "a chest")
        else:
            anyio.run(scenario, backend=backend)

    with pytest.raises(KeyboardInterrupt) as caught:
        run()
    return caught.value


@BACKENDS
def test_ctrl_c_at_the_driver_s_closing_check_still_aborts(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch, backend: str | None
) -> None:
    """Ctrl-C landing between two steps (not in a request or a pause) aborts the flow too.

    A signal is delivered at any line of the main thread (trio's at any line of a task):
    here where the driver checks, before the next step, whether the client is closing (a
    CLI test met it under load).
    """
    read = Lifecycle.closing.fget
    landed: list[bool] = []

    def closing(life: Lifecycle) -> bool:
        if emu.ledger and not landed:
            landed.append(True)
            raise KeyboardInterrupt
        return bool(read(life))  # type: ignore[misc]

    monkeypatch.setattr(Lifecycle, "closing", property(closing))
    _run_until_interrupted(emu, backend)
    assert landed
    (entry,) = emu.ledger
    assert entry.state in ("aborting", "aborted")


@BACKENDS
def test_ctrl_c_just_after_the_job_yielded_still_aborts(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch, backend: str | None
) -> None:
    """Ctrl-C landing once the job has handed out its next step, before the driver takes it.

    The step is lost, the job still suspended at its yield: it hears of the interrupt there
    and aborts its flow (``Stepper.suspended`` tells that from the job's own end).
    """
    from generio._jobs.effects import Stepper

    advance = Stepper.advance
    landed: list[bool] = []

    def interrupted(stepper: Stepper[object]) -> object:
        effect = advance(stepper)
        if effect is not None and emu.ledger and not landed:
            landed.append(True)
            raise KeyboardInterrupt
        return effect

    monkeypatch.setattr(Stepper, "advance", interrupted)
    caught = _run_until_interrupted(emu, backend)
    assert landed
    (entry,) = emu.ledger
    assert entry.state in ("aborting", "aborted")
    assert caught.generio_flow_id == entry.flow_id  # type: ignore[attr-defined]


@pytest.mark.anyio
async def test_async_run_cancelled_aborts(emu: Emulator) -> None:
    """Cancelling the task running run() aborts its flow, shielded, then cancels."""
    import anyio

    from generio import AsyncGenerio

    emu.flow_seconds = 30
    started = anyio.Event()
    async with (
        AsyncGenerio(emu.api_key, emu.base_url) as client,
        anyio.create_task_group() as group,
    ):

        async def go() -> None:
            await client.run(PROMPT_TEMPLATE, "a crate", on_progress=lambda _f: started.set())

        group.start_soon(go)
        await started.wait()
        group.cancel_scope.cancel()
    (entry,) = emu.ledger
    assert entry.state in ("aborting", "aborted")


@pytest.mark.anyio
async def test_run_many_keeps_order_and_failures(emu: Emulator) -> None:
    """run_many returns one result per job in order, a failure as its exception."""
    from generio import AsyncGenerio, InputError

    jobs = [
        {"template": PROMPT_TEMPLATE, "inputs": [f"object {i}"], "additional": i} for i in range(5)
    ]
    jobs.insert(2, {"template": IMAGE_TEMPLATE, "inputs": ["not an image"]})
    async with AsyncGenerio(emu.api_key, emu.base_url) as client:
        results = await client.run_many(jobs, concurrency=3)
    assert len(results) == 6
    assert isinstance(results[2], InputError)
    ok = [r for r in results if isinstance(r, RunResult)]
    assert [r.flow.additional for r in ok] == [0, 1, 2, 3, 4]
    assert len(emu.ledger) == 5


@pytest.mark.anyio
async def test_run_many_fetches_templates_once(
    emu: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    """Concurrent first runs share one template listing instead of one fetch each."""
    from generio import AsyncGenerio

    caplog.set_level(logging.DEBUG, logger="generio")
    jobs = [{"template": PROMPT_TEMPLATE, "inputs": [f"thing {i}"]} for i in range(4)]
    async with AsyncGenerio(emu.api_key, emu.base_url) as client:
        await client.run_many(jobs, concurrency=4)
    fetches = [m for m in caplog.messages if m.startswith("GET /templates")]
    assert len(fetches) == 1
    assert fetches[0].startswith("GET /templates -> 200")


def test_wait_raise_on_failure_raises_flow_failed(client: Generio, emu: Emulator) -> None:
    """flows.wait(raise_on_failure=True) raises FlowFailed with partial outputs, as run() does."""
    emu.add_fault("fail_flow", "create_flow")
    flow = client.flows.create(OPTIMIZE_TEMPLATE, inputs=[sample_glb(), sample_glb()])
    assert client.flows.wait(flow.id).state == "failed"  # by default: returned, not raised
    with pytest.raises(FlowFailed) as caught:
        client.flows.wait(flow.id, raise_on_failure=True)
    assert caught.value.flow.id == flow.id
    assert len(caught.value.outputs) == 2
    assert caught.value.outputs[-1].error


def test_wait_raise_on_failure_returns_a_completed_flow(client: Generio) -> None:
    """raise_on_failure changes nothing for a flow that completed."""
    flow = client.flows.create(PROMPT_TEMPLATE, inputs="a chair")
    assert client.flows.wait(flow.id, raise_on_failure=True).state == "completed"
