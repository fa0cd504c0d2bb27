"""The flow state machine over HTTP: creation, uploads, start, abort, delete, outputs."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from generio.testing import Emulator, sample_glb, sample_png
from tests.helpers.clock import EmulatorClock
from tests.helpers.emulator import FLOW_SECONDS, Api, data_uri

PROMPT = [{"data": "a wooden chair", "additional": {"view": "front"}}]
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def _when(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def test_flow_without_inputs_waits_in_created(api: Api, emu_clock: EmulatorClock) -> None:
    """A flow created without inputs is `created` with no start or finish time."""
    flow = api.create()
    assert flow["state"] == "created"
    assert flow["progress"] == 0.0
    assert flow["started_at"] is None
    assert flow["finished_at"] is None
    emu_clock.advance(FLOW_SECONDS * 100)
    assert api.flow(flow["flow_id"])["state"] == "created"


def test_upload_then_start_runs_to_completed(
    api: Api, emu: Emulator, emu_clock: EmulatorClock
) -> None:
    """Uploads in `created`, then start: starting, running, completed at the exact moment."""
    emu.flow_seconds = 0.5
    flow_id = api.create()["flow_id"]
    upload = api.client.post(f"/flows/{flow_id}/inputs", json={"data": "a lamp"})
    assert upload.status_code == 200
    assert set(upload.json()) >= {"asset_id", "status", "processed", "additional", "error"}
    assert upload.json()["data"] is None
    started = api.patch(flow_id, "start")
    assert started.status_code == 200
    assert started.json()["state"] == "starting"
    emu_clock.advance(0.25)
    halfway = api.flow(flow_id)
    assert (halfway["state"], halfway["progress"]) == ("running", 0.5)
    emu_clock.advance(0.25)
    done = api.flow(flow_id)
    assert done["state"] == "completed"
    assert done["progress"] == 1.0
    elapsed = _when(done["finished_at"]) - _when(done["started_at"])
    assert abs(elapsed - 0.5) < 1e-5


def test_progress_grows_linearly_and_never_shrinks(
    api: Api, emu: Emulator, emu_clock: EmulatorClock
) -> None:
    """Progress follows elapsed time over flow_seconds and only grows."""
    emu.flow_seconds = 0.5
    flow = api.create(inputs=PROMPT)
    assert _when(flow["started_at"]) == pytest.approx(emu_clock.now, abs=1e-5)
    start, seen = emu_clock.now, []
    for step in range(1, 10):  # nine looks, 0.05 s of the emulator's time apart
        emu_clock.now = start + step * 0.05
        current = api.flow(flow["flow_id"])
        assert current["state"] == "running"
        assert current["progress"] == pytest.approx(step / 10, abs=1e-6)
        seen.append(current["progress"])
    emu_clock.now = start + 0.5
    assert api.flow(flow["flow_id"])["state"] == "completed"
    assert seen == sorted(seen)
    assert len(seen) == 9


def test_flow_with_inputs_starts_itself_and_cannot_be_started(api: Api) -> None:
    """Inputs at creation start the flow; a manual start is refused with 409."""
    flow = api.create(inputs=PROMPT)
    assert flow["state"] == "starting"
    assert flow["started_at"] == flow["created_at"]
    refused = api.patch(flow["flow_id"], "start")
    assert refused.status_code == 409
    assert isinstance(refused.json()["detail"], str)
    api.wait(flow["flow_id"])
    assert api.patch(flow["flow_id"], "start").status_code == 409


def test_uploads_only_in_created(api: Api) -> None:
    """Uploading to a started or finished flow is a 409."""
    flow_id = api.create(inputs=PROMPT)["flow_id"]
    late = api.client.post(f"/flows/{flow_id}/inputs", json={"data": "another"})
    assert late.status_code == 409
    assert "created" in late.json()["detail"]
    api.wait(flow_id)
    assert api.client.post(f"/flows/{flow_id}/inputs", json={"data": "x"}).status_code == 409


def test_start_needs_inputs_and_happens_once(api: Api) -> None:
    """Starting without inputs, or a second time, is a 409."""
    flow_id = api.create()["flow_id"]
    empty = api.patch(flow_id, "start")
    assert empty.status_code == 409
    assert "no inputs" in empty.json()["detail"]
    api.client.post(f"/flows/{flow_id}/inputs", json={"data": "a cup"})
    assert api.patch(flow_id, "start").status_code == 200
    assert api.patch(flow_id, "start").status_code == 409


def test_abort_goes_through_aborting_to_aborted(
    api: Api, emu: Emulator, emu_clock: EmulatorClock
) -> None:
    """Abort on a running flow answers `aborting`, then the flow ends `aborted`."""
    emu.flow_seconds = 1.0
    flow_id = api.create(inputs=PROMPT)["flow_id"]
    emu_clock.advance(0.5)
    assert api.flow(flow_id)["state"] == "running"
    aborting = api.patch(flow_id, "abort")
    assert aborting.status_code == 200
    assert aborting.json()["state"] == "aborting"
    assert aborting.json()["finished_at"] is None
    frozen = aborting.json()["progress"]
    assert frozen == pytest.approx(0.5, abs=1e-6)
    emu_clock.advance(0.05)  # aborting lasts 10% of the flow: 0.1 s
    assert api.flow(flow_id)["state"] == "aborting"
    emu_clock.advance(0.1)
    aborted = api.flow(flow_id)
    assert aborted["state"] == "aborted"
    assert aborted["progress"] == frozen
    assert aborted["finished_at"] is not None


def test_abort_is_refused_outside_starting_and_running(api: Api) -> None:
    """Aborting a created, aborting or completed flow is a 409."""
    created = api.create()["flow_id"]
    assert api.patch(created, "abort").status_code == 409
    flow_id = api.create(inputs=PROMPT)["flow_id"]
    api.wait(flow_id)
    finished = api.patch(flow_id, "abort")
    assert finished.status_code == 409
    assert "completed" in finished.json()["detail"]


def test_abort_while_aborting_is_refused(api: Api, emu: Emulator, emu_clock: EmulatorClock) -> None:
    """A second abort during `aborting` is a 409."""
    emu.flow_seconds = 3.0  # aborting then lasts 0.3 s of the (frozen) emulator clock
    flow_id = api.create(inputs=PROMPT)["flow_id"]
    assert api.patch(flow_id, "abort").json()["state"] == "aborting"
    assert api.patch(flow_id, "abort").status_code == 409


def test_delete_is_refused_while_active(api: Api, emu: Emulator, emu_clock: EmulatorClock) -> None:
    """Deleting a starting, running or aborting flow is a 409 naming the state."""
    emu.flow_seconds = 3.0  # with the emulator's clock frozen, the flow stays where it is
    flow_id = api.create(inputs=PROMPT)["flow_id"]
    refused = api.client.delete(f"/flows/{flow_id}")
    assert refused.status_code == 409
    assert "can only be deleted" in refused.json()["detail"]
    api.patch(flow_id, "abort")
    assert api.client.delete(f"/flows/{flow_id}").status_code == 409


def test_delete_removes_the_flow_and_its_assets(api: Api) -> None:
    """A deleted flow and its inputs and outputs are gone (404); the ledger remembers it."""
    created = api.create()["flow_id"]
    gone = api.client.delete(f"/flows/{created}")
    assert gone.status_code == 200
    assert gone.json() == {"flow_id": created, "deleted": True}
    flow_id = api.create(inputs=PROMPT)["flow_id"]
    api.wait(flow_id)
    input_id = api.client.get(f"/flows/{flow_id}/inputs").json()["inputs"][0]["asset_id"]
    output_id = api.client.get(f"/flows/{flow_id}/outputs").json()["outputs"][0]["asset_id"]
    assert api.client.delete(f"/flows/{flow_id}").status_code == 200
    for path in (
        f"/flows/{flow_id}",
        f"/flows/{flow_id}/inputs",
        f"/flows/{flow_id}/inputs/{input_id}",
        f"/flows/{flow_id}/outputs",
        f"/flows/{flow_id}/outputs/{output_id}",
    ):
        assert api.client.get(path).status_code == 404, path
    assert api.client.delete(f"/flows/{flow_id}").status_code == 404
    ledger = {entry.flow_id: entry for entry in api.emulator.ledger}
    assert ledger[created].deleted
    assert ledger[created].state == "created"
    assert ledger[flow_id].deleted
    assert ledger[flow_id].state == "completed"


def test_outputs_only_in_terminal_states(api: Api, emu: Emulator, emu_clock: EmulatorClock) -> None:
    """Listing or fetching outputs before the flow ends is a 409."""
    emu.flow_seconds = 0.6
    flow_id = api.create(inputs=PROMPT)["flow_id"]
    early = api.client.get(f"/flows/{flow_id}/outputs")
    assert early.status_code == 409
    assert "completed, aborted or failed" in early.json()["detail"]
    assert api.client.get(f"/flows/{flow_id}/outputs/whatever").status_code == 409
    emu_clock.advance(0.6)
    outputs = api.client.get(f"/flows/{flow_id}/outputs")
    assert outputs.status_code == 200
    (output,) = outputs.json()["outputs"]
    assert output["status"] == "ready"
    assert output["data"] is None
    assert "id" not in output


def test_aborted_flow_keeps_the_outputs_done_before_the_abort(
    api: Api, emu: Emulator, emu_clock: EmulatorClock
) -> None:
    """With four inputs, aborting halfway leaves outputs for the inputs already processed."""
    emu.flow_seconds = 1.2
    inputs = [{"data": f"object {i}", "additional": {"i": i}} for i in range(4)]
    flow_id = api.create(inputs=inputs)["flow_id"]
    emu_clock.advance(0.7)  # past input 1 (0.6 s), before input 2 (0.9 s)
    assert api.flow(flow_id)["progress"] == pytest.approx(0.7 / 1.2, abs=1e-6)
    api.patch(flow_id, "abort")
    emu_clock.advance(1.2)
    assert api.flow(flow_id)["state"] == "aborted"
    outputs = api.client.get(f"/flows/{flow_id}/outputs").json()["outputs"]
    assert len(outputs) == 2
    assert [o["additional"] for o in outputs] == [{"i": i} for i in range(len(outputs))]
    assert all(o["status"] == "ready" for o in outputs)


def test_include_data_on_lists_and_always_on_single_assets(api: Api) -> None:
    """`include_data` switches data on in lists; single assets always carry it."""
    flow_id = api.create(inputs=PROMPT)["flow_id"]
    api.wait(flow_id)
    for kind in ("inputs", "outputs"):
        bare = api.client.get(f"/flows/{flow_id}/{kind}").json()
        assert bare["flow_id"] == flow_id
        assert bare[kind][0]["data"] is None
        assert (
            api.client.get(f"/flows/{flow_id}/{kind}", params={"include_data": "false"}).json()[
                kind
            ][0]["data"]
            is None
        )
        full = api.client.get(f"/flows/{flow_id}/{kind}", params={"include_data": "true"}).json()
        assert full[kind][0]["data"]
        single = api.client.get(f"/flows/{flow_id}/{kind}/{bare[kind][0]['asset_id']}").json()
        assert single["data"] == full[kind][0]["data"]
    output = api.client.get(f"/flows/{flow_id}/outputs", params={"include_data": True}).json()
    assert output["outputs"][0]["data"].startswith("data:model/gltf-binary;base64,")


def test_prompts_are_stored_as_text_and_files_as_data_uris(api: Api) -> None:
    """Prompts (plain or as text/plain data URIs) come back as text; files as data URIs."""
    prompt = api.create(inputs=[{"data": "a stool"}, {"data": data_uri("text/plain", b"a desk")}])
    texts = api.client.get(f"/flows/{prompt['flow_id']}/inputs", params={"include_data": True})
    assert [a["data"] for a in texts.json()["inputs"]] == ["a stool", "a desk"]
    png = data_uri("image/png", sample_png())
    image = api.create("model_generate_fromimage", inputs=[{"data": png}])
    stored = api.client.get(f"/flows/{image['flow_id']}/inputs", params={"include_data": True})
    assert stored.json()["inputs"][0]["data"] == png


def test_additional_is_kept_on_flows_and_copied_to_outputs(api: Api) -> None:
    """The flow's additional is echoed; each input's additional is copied to its output."""
    inputs = [{"data": "a", "additional": {"n": 1}}, {"data": "b", "additional": [1, "x"]}]
    flow = api.create(inputs=inputs, additional={"job": "chair-42"})
    assert flow["additional"] == {"job": "chair-42"}
    api.wait(flow["flow_id"])
    outputs = api.client.get(f"/flows/{flow['flow_id']}/outputs").json()["outputs"]
    assert [o["additional"] for o in outputs] == [{"n": 1}, [1, "x"]]


def test_parameters_get_their_documented_defaults(api: Api) -> None:
    """Omitted parameters take the defaults; given ones are kept."""
    assert api.create()["parameters"] == {"quality": "high", "seed": -1, "texture": True}
    low = api.create(parameters={"quality": "low", "seed": 7})
    assert low["parameters"] == {"quality": "low", "seed": 7, "texture": True}
    glb = data_uri("model/gltf-binary", sample_glb())
    optimize = api.create("model_optimize", inputs=[{"data": glb}], parameters=None)
    assert optimize["parameters"] == {"polygon_count": 100000}


def test_list_filters_by_state(api: Api) -> None:
    """`filter_by` keeps only the flows in that state."""
    waiting = api.create()["flow_id"]
    done = api.create(inputs=PROMPT)["flow_id"]
    api.wait(done)
    for state, expected in (("created", [waiting]), ("completed", [done]), ("failed", [])):
        flows = api.client.get("/flows", params={"filter_by": state}).json()["flows"]
        assert [f["flow_id"] for f in flows] == expected
    everything = api.client.get("/flows").json()["flows"]
    assert [f["flow_id"] for f in everything] == [waiting, done]


def test_list_sorts_by_each_field_with_state_and_status_synonyms(api: Api, emu: Emulator) -> None:
    """`sort_by` orders ascending, missing values last; `state` and `status` agree."""
    done = api.create(inputs=PROMPT)["flow_id"]
    api.wait(done)
    waiting = api.create()["flow_id"]
    emu.flow_seconds = 10.0  # still running while the lists are read
    running = api.create(inputs=PROMPT)["flow_id"]

    def order(field: str) -> list[str]:
        flows = api.client.get("/flows", params={"sort_by": field}).json()["flows"]
        return [f["flow_id"] for f in flows]

    assert order("created_at") == [done, waiting, running]
    assert order("state") == order("status") == [waiting, running, done]
    assert order("progress") == [waiting, running, done]
    assert order("started_at") == [done, running, waiting]
    assert order("finished_at") == [done, waiting, running]


def test_templates_are_found_by_id_or_name(api: Api) -> None:
    """GET /templates lists three; each is found by its id and by its name."""
    listed = api.client.get("/templates").json()["templates"]
    assert {t["name"] for t in listed} == {
        "model_generate_fromprompt",
        "model_generate_fromimage",
        "model_optimize",
    }
    for template in listed:
        for key in (template["template_id"], template["name"]):
            assert api.client.get(f"/templates/{key}").json() == template
    image = api.client.get("/templates/model_generate_fromimage").json()
    assert image["input_types"] == ["image/png", "image/jpeg", "image/tiff", "image/webp"]
    assert image["parameters"]["quality"]["allowed"] == ["low", "high"]


def test_flow_can_be_created_from_a_template_id(api: Api) -> None:
    """POST /flows accepts the template's id too and reports its name."""
    assert api.create("tpl-model-generate-fromprompt")["template"] == "model_generate_fromprompt"


def test_ids_are_24_hex_and_times_iso_utc(api: Api) -> None:
    """Flow and asset ids look like the service's; timestamps are ISO 8601 in UTC."""
    flow = api.create(inputs=PROMPT)
    assert re.fullmatch(r"[0-9a-f]{24}", flow["flow_id"])
    done = api.wait(flow["flow_id"])
    for field in ("created_at", "started_at", "finished_at"):
        assert ISO_UTC.match(done[field]), done[field]
    asset = api.client.get(f"/flows/{flow['flow_id']}/outputs").json()["outputs"][0]
    assert re.fullmatch(r"[0-9a-f]{24}", asset["asset_id"])
    assert ISO_UTC.match(asset["processed"])
    assert asset["processed"] == done["finished_at"]


def test_two_hundred_concurrent_flows(api: Api, emu: Emulator, emu_clock: EmulatorClock) -> None:
    """The emulator holds 200 flows running at once and completes them all."""
    emu.flow_seconds = 3.0
    ids = [api.create(inputs=PROMPT)["flow_id"] for _ in range(200)]
    emu_clock.advance(1.5)  # halfway through every one of them, however long creating took
    flows = api.listed()  # two pages of 100
    assert sum(f["state"] == "running" for f in flows) == 200
    emu_clock.advance(1.5)
    for flow_id in ids:
        assert api.flow(flow_id)["state"] == "completed"
    assert len([e for e in emu.ledger if e.completed_at is not None]) == 200


def test_an_empty_input_list_does_not_start_the_flow(api: Api) -> None:
    """`inputs: []` is the same as no inputs: the flow waits in `created`."""
    assert api.create(inputs=[])["state"] == "created"


def test_aborted_and_failed_flows_can_be_deleted(
    api: Api, emu: Emulator, emu_clock: EmulatorClock
) -> None:
    """Delete is allowed in the terminal states aborted and failed too."""
    emu.flow_seconds = 1.0
    aborted = api.create(inputs=PROMPT)["flow_id"]
    assert api.patch(aborted, "abort").status_code == 200
    emu.add_fault("fail_flow", count=1)
    emu.flow_seconds = FLOW_SECONDS
    failed = api.create(inputs=PROMPT)["flow_id"]
    emu_clock.advance(1.0)
    assert api.flow(aborted)["state"] == "aborted"
    assert api.flow(failed)["state"] == "failed"
    for flow_id in (aborted, failed):
        assert api.client.delete(f"/flows/{flow_id}").status_code == 200
        assert api.client.get(f"/flows/{flow_id}").status_code == 404
    states = {entry.flow_id: (entry.state, entry.deleted) for entry in emu.ledger}
    assert states == {aborted: ("aborted", True), failed: ("failed", True)}
