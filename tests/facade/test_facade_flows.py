"""Every public method of both clients against the emulator over loopback HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest

from generio import (
    Asset,
    ConflictError,
    Flow,
    FlowNotStarted,
    Generio,
    NotFoundError,
    Template,
    ValidationError,
    WaitTimeout,
)
from generio.testing import Emulator, sample_glb, sample_png
from tests.helpers.clock import EmulatorClock
from tests.helpers.emulator import emulator_outputs, fired
from tests.helpers.facade import IMAGE_TEMPLATE, OPTIMIZE_TEMPLATE, PROMPT_TEMPLATE


def test_templates_list(client: Generio) -> None:
    """templates.list() returns the three templates with their accepted types."""
    templates = client.templates.list()
    assert {t.name for t in templates} == {PROMPT_TEMPLATE, IMAGE_TEMPLATE, OPTIMIZE_TEMPLATE}
    image = next(t for t in templates if t.name == IMAGE_TEMPLATE)
    assert isinstance(image, Template)
    assert "image/png" in image.input_types
    assert image.output_types == ("model/gltf-binary",)
    assert "quality" in image.parameters


def test_templates_get_by_name_and_id(client: Generio) -> None:
    """templates.get() finds a template by its name and by its id."""
    by_name = client.templates.get(OPTIMIZE_TEMPLATE)
    assert client.templates.get(by_name.id) == by_name


def test_templates_get_unknown(client: Generio) -> None:
    """An unknown template is a NotFoundError naming the request."""
    with pytest.raises(NotFoundError, match="templates/nope"):
        client.templates.get("nope")


def test_create_with_inputs_starts(client: Generio) -> None:
    """A flow created with inputs starts by itself, parameters and additional kept."""
    flow = client.flows.create(
        PROMPT_TEMPLATE,
        inputs=["a red chair"],
        parameters={"quality": "low"},
        additional={"job": 1},
    )
    assert isinstance(flow, Flow)
    assert flow.state in ("starting", "running")
    assert flow.parameters["quality"] == "low"
    assert flow.additional == {"job": 1}
    assert not flow.is_terminal


def test_create_upload_start_wait_outputs(client: Generio, emu: Emulator) -> None:
    """The manual lifecycle: create, upload, start, wait, list and fetch outputs."""
    flow = client.flows.create(IMAGE_TEMPLATE, additional="manual")
    assert flow.state == "created"
    asset = client.flows.upload_input(flow.id, sample_png(), additional={"view": "front"})
    assert isinstance(asset, Asset)
    assert asset.additional == {"view": "front"}
    started = client.flows.start(flow.id)
    assert started.state == "starting"
    seen: list[str] = []
    done = client.flows.wait(flow.id, on_progress=lambda f: seen.append(f.state))
    assert done.state == "completed"
    assert done.is_terminal
    assert seen[-1] == "completed"
    outputs = client.flows.outputs(flow.id)
    assert len(outputs) == 1
    assert outputs[0].is_ready
    assert outputs[0].data is None
    assert outputs[0].additional == {"view": "front"}
    one = client.flows.output(flow.id, outputs[0].id)
    assert one.mime_type == "model/gltf-binary"
    assert [one.data] == emulator_outputs(emu, flow.id)
    with_data = client.flows.outputs(flow.id, include_data=True)
    assert with_data[0].data == one.data
    assert len(emu.ledger) == 1


def test_inputs_and_input(client: Generio) -> None:
    """inputs() lists without data unless asked; input() always carries it."""
    flow = client.flows.create(PROMPT_TEMPLATE, inputs=["a blue lamp"])
    listed = client.flows.inputs(flow.id)
    assert len(listed) == 1
    assert listed[0].data is None
    assert client.flows.inputs(flow.id, include_data=True)[0].data == b"a blue lamp"
    one = client.flows.input(flow.id, listed[0].id)
    assert one.data == b"a blue lamp"
    assert one.mime_type == "text/plain"


def test_get_and_list(client: Generio) -> None:
    """get() returns the flow; list() filters by state and sorts."""
    created = client.flows.create(PROMPT_TEMPLATE)
    running = client.flows.create(PROMPT_TEMPLATE, inputs=["a cup"])
    assert client.flows.get(created.id).state == "created"
    ids = [f.id for f in client.flows.list(sort_by="created_at")]
    assert ids == [created.id, running.id]
    assert [f.id for f in client.flows.list(state="created")] == [created.id]


def test_abort_then_delete(client: Generio) -> None:
    """abort() stops a running flow; delete() removes it once it is terminal."""
    flow = client.flows.create(PROMPT_TEMPLATE, inputs=["a vase"])
    aborted = client.flows.abort(flow.id)
    assert aborted.state in ("aborting", "aborted")
    assert client.flows.wait(flow.id).state == "aborted"
    assert client.flows.delete(flow.id) is None
    with pytest.raises(NotFoundError):
        client.flows.get(flow.id)


def test_delete_running_is_conflict(client: Generio) -> None:
    """Deleting a running flow is a ConflictError that says what to do."""
    flow = client.flows.create(PROMPT_TEMPLATE, inputs=["a stool"])
    with pytest.raises(ConflictError, match="What to do"):
        client.flows.delete(flow.id)


def test_bad_parameters_are_validation_errors(client: Generio, emu: Emulator) -> None:
    """Parameters the service rejects come back as ValidationError with field errors."""
    with pytest.raises(ValidationError) as caught:
        client.flows.create(PROMPT_TEMPLATE, inputs=["a hat"], parameters={"quality": "ultra"})
    assert any("quality" in str(error) for error in caught.value.errors)
    assert emu.ledger == []


def test_start_twice_is_conflict(client: Generio) -> None:
    """Starting an auto-started flow (no retry involved) stays a ConflictError."""
    flow = client.flows.create(PROMPT_TEMPLATE, inputs=["a bench"])
    with pytest.raises(ConflictError, match="409"):
        client.flows.start(flow.id)


def test_wait_timeout_leaves_flow_running(client: Generio, emu: Emulator) -> None:
    """wait(timeout=0) raises WaitTimeout with the flow id; the flow runs on."""
    emu.flow_seconds = 30
    flow = client.flows.create(PROMPT_TEMPLATE, inputs=["a desk"])
    with pytest.raises(WaitTimeout) as caught:
        client.flows.wait(flow.id, timeout=0)
    assert caught.value.flow_id == flow.id
    assert isinstance(caught.value, TimeoutError)
    assert flow.id in str(caught.value)
    assert client.flows.get(flow.id).state in ("starting", "running")


def test_wait_on_never_started_flow(client: Generio) -> None:
    """Waiting on a flow nobody started fails at once instead of polling forever."""
    flow = client.flows.create(PROMPT_TEMPLATE)
    with pytest.raises(FlowNotStarted, match="start"):
        client.flows.wait(flow.id)


def test_unknown_state_counts_as_running(
    client: Generio, emu: Emulator, emu_clock: EmulatorClock
) -> None:
    """A state this version does not know is waited through, and survives as a string."""
    emu.add_fault("unknown_state", "create_flow", state="queued")
    flow = client.flows.create(PROMPT_TEMPLATE, inputs=["a shelf"])
    states: list[str] = []

    def seen(polled: Flow) -> None:
        # The emulator shows the odd state for the first half of the flow: each poll moves
        # its clock a tenth on, so the first polls see it however slow the machine is.
        states.append(polled.state)
        emu_clock.advance(emu.flow_seconds / 10)

    done = client.flows.wait(flow.id, on_progress=seen)
    assert done.state == "completed"
    assert "queued" in states
    assert set(fired(emu)) == {("unknown_state", "create_flow")}


def test_download_outputs(client: Generio, emu: Emulator, tmp_path: Path) -> None:
    """download_outputs() writes one decoded GLB per output and returns the paths."""
    flow = client.flows.create(OPTIMIZE_TEMPLATE, inputs=[sample_glb(), sample_glb()])
    client.flows.wait(flow.id)
    paths = client.flows.download_outputs(flow.id, tmp_path / "models")
    assert len(paths) == 2
    assert len({p.name for p in paths}) == 2
    assert all(path.suffix == ".glb" for path in paths)
    assert [p.read_bytes() for p in paths] == emulator_outputs(emu, flow.id)
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == sorted(p.name for p in paths)


def test_outputs_before_finish_is_conflict(client: Generio, emu: Emulator) -> None:
    """Asking for outputs while the flow runs is a ConflictError."""
    emu.flow_seconds = 30
    flow = client.flows.create(PROMPT_TEMPLATE, inputs=["a lamp"])
    with pytest.raises(ConflictError):
        client.flows.outputs(flow.id)
