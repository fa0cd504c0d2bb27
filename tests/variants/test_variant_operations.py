"""Each dialect's own operation: templates, lists, mutations, conflicts, outputs, errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from generio import (
    APIStatusError,
    ConflictError,
    Flow,
    Generio,
    InputError,
    NotFoundError,
    ValidationError,
)
from generio.testing import Emulator
from tests.helpers.clock import EmulatorClock
from tests.helpers.emulator import emulator_outputs
from tests.helpers.facade import IMAGE_TEMPLATE, PROMPT_TEMPLATE
from tests.helpers.variant_server import VariantServer

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00"
    b"\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe"
    b"\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def dialect() -> str:
    """Name the dialect of the test (tests parametrize it)."""
    return "template_aliases"


@pytest.fixture
def server(emu: Emulator, dialect: str) -> Iterator[VariantServer]:
    """Serve the emulator behind a proxy speaking ``dialect``."""
    with VariantServer(emu, dialect) as variant:
        yield variant


@pytest.fixture
def client(server: VariantServer) -> Iterator[Generio]:
    """Open a blocking client on the variant server."""
    with Generio(server.emulator.api_key, server.base_url) as generio:
        yield generio


def _finished(client: Generio) -> tuple[str, str]:
    """Run a flow to its end; return its id and its output's id."""
    result = client.run(PROMPT_TEMPLATE, "a chair", timeout=60)
    return result.flow.id, result.outputs[0].id


# --- templates ------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", ["template_aliases", "template_parameter_list"])
def test_template_read_in_other_shapes(client: Generio) -> None:
    """Aliased fields and a parameter list give the same Template as our own shape."""
    template = client.templates.get(IMAGE_TEMPLATE)
    assert template.name == IMAGE_TEMPLATE
    assert template.id
    assert "image/png" in template.input_types
    assert template.output_types == ("model/gltf-binary",)
    assert template.parameters["quality"]["default"] == "high"
    assert template.input_types_known


@pytest.mark.parametrize("dialect", ["template_unreadable", "template_without_types"])
def test_input_check_steps_aside_when_the_template_cannot_be_read(
    client: Generio, server: VariantServer, emu: Emulator
) -> None:
    """Without readable input types, the input goes out unchecked and the service judges."""
    with pytest.raises(ValidationError) as caught:  # the service's 422, not a local InputError
        client.flows.create(IMAGE_TEMPLATE, inputs="a prompt to an image template")
    assert "data URI" in str(caught.value)  # the service's own words
    assert server.count("POST", "/flows") == 1
    assert emu.ledger == []
    asked = server.count("GET", f"/templates/{IMAGE_TEMPLATE}")
    assert client.flows.create(IMAGE_TEMPLATE, inputs=PNG).state in ("starting", "running")
    assert server.count("GET", f"/templates/{IMAGE_TEMPLATE}") == asked  # not asked again


def test_input_check_still_runs_when_the_template_is_readable(
    client: Generio, server: VariantServer
) -> None:
    """With a readable template (aliased names), a wrong input is refused before sending."""
    with pytest.raises(InputError, match="does not accept"):
        client.flows.create(IMAGE_TEMPLATE, inputs="a prompt to an image template")
    assert server.count("POST", "/flows") == 0


@pytest.mark.parametrize("dialect", ["bare_lists", "ids_as_id", "sparse_fields"])
def test_every_list_and_asset_reads_in_other_shapes(client: Generio) -> None:
    """templates.list, inputs and outputs read as bare arrays, with ``id``, or sparse."""
    assert {t.name for t in client.templates.list()} >= {PROMPT_TEMPLATE, IMAGE_TEMPLATE}
    flow_id, asset_id = _finished(client)
    inputs = client.flows.inputs(flow_id, include_data=True)
    assert [a.data for a in inputs] == [b"a chair"]
    assert client.flows.input(flow_id, inputs[0].id).data == b"a chair"
    assert [a.id for a in client.flows.outputs(flow_id)] == [asset_id]


# --- lists ----------------------------------------------------------------------------


LISTS = [
    "flow_status",
    "ids_as_id",
    "epoch_times",
    "bare_lists",
    "paginated_absolute",
    "paginated_relative",
    "sparse_fields",
]


@pytest.mark.parametrize("dialect", LISTS)
def test_flows_list_reads_every_shape(
    client: Generio, server: VariantServer, emu: Emulator, dialect: str
) -> None:
    """flows.list() returns every flow, with its state, in each list shape (all pages)."""
    made = [client.flows.create(PROMPT_TEMPLATE).id for _ in range(5)]
    listed = client.flows.list()
    assert [flow.id for flow in listed] == made
    assert {flow.state for flow in listed} == {"created"}
    if dialect == "sparse_fields":
        assert all(flow.created_at is None and flow.template == "" for flow in listed)
    else:
        assert [flow.created_at for flow in listed] == sorted(e.created_at for e in emu.ledger)
        assert all(flow.template == PROMPT_TEMPLATE for flow in listed)
    pages = 3 if dialect.startswith("paginated") else 1
    assert server.count("GET", "/flows") == pages
    assert [f.id for f in client.flows.list(state="created", sort_by="created_at")] == made


# --- mutations ------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", ["delete_204", "delete_other_json"])
def test_delete_accepts_any_success_body(client: Generio, emu: Emulator) -> None:
    """DELETE answered 204 or other JSON is a success; the flow is gone."""
    flow = client.flows.create(PROMPT_TEMPLATE)
    assert client.flows.delete(flow.id) is None
    assert emu.ledger[0].deleted
    with pytest.raises(NotFoundError):
        client.flows.get(flow.id)


@pytest.mark.parametrize("dialect", ["patch_not_a_flow", "patch_ack_with_id", "patch_ok_with_id"])
def test_actions_answered_with_no_flow_fetch_it(
    client: Generio, server: VariantServer, emu: Emulator
) -> None:
    """Start and abort answered with no flow (an acknowledgement, even with its id): a GET."""
    emu.flow_seconds = 30
    flow = client.flows.create(PROMPT_TEMPLATE)
    client.flows.upload_input(flow.id, "a chair")
    before = server.count("GET", f"/flows/{flow.id}")
    started = client.flows.start(flow.id)
    assert started.id == flow.id
    assert started.state in ("starting", "running")
    assert server.count("GET", f"/flows/{flow.id}") == before + 1  # one GET per action
    aborted = client.flows.abort(flow.id)
    assert aborted.state in ("aborting", "aborted")
    assert server.count("GET", f"/flows/{flow.id}") == before + 2


# --- conflicts ------------------------------------------------------------------------

CONFLICTS = [("conflict_400", 400), ("conflict_412", 412), ("conflict_423", 423)]


@pytest.mark.parametrize(("dialect", "status"), CONFLICTS)
def test_a_conflict_by_any_status_is_a_conflict_error(
    client: Generio, emu: Emulator, status: int
) -> None:
    """Start, delete, upload or outputs refused on a running flow: a ConflictError."""
    emu.flow_seconds = 30
    flow = client.flows.create(PROMPT_TEMPLATE, inputs="a chair")
    with pytest.raises(ConflictError) as started:
        client.flows.start(flow.id)
    assert started.value.status_code == status
    assert "cannot start now" in str(started.value)
    with pytest.raises(ConflictError) as deleted:
        client.flows.delete(flow.id)
    assert deleted.value.status_code == status
    assert not emu.ledger[0].deleted
    with pytest.raises(ConflictError, match="cannot upload an input") as uploaded:
        client.flows.upload_input(flow.id, "another chair")
    assert uploaded.value.status_code == status
    with pytest.raises(ConflictError, match="cannot read outputs") as early:
        client.flows.outputs(flow.id)
    assert early.value.status_code == status
    assert (early.value.request_id or "").startswith("req-")


@pytest.mark.parametrize(
    "dialect", ["conflict_400", "conflict_412", "conflict_423", "flow_status", "patch_not_a_flow"]
)
def test_recovery_after_a_lost_action_answer(
    client: Generio, server: VariantServer, emu: Emulator
) -> None:
    """A start or abort carried out but answered 500 is retried; the refusal proves success."""
    emu.flow_seconds = 30
    flow = client.flows.create(PROMPT_TEMPLATE)
    client.flows.upload_input(flow.id, "a chair")
    server.lose_next("update_flow")
    assert client.flows.start(flow.id).state in ("starting", "running")
    server.lose_next("update_flow")
    assert client.flows.abort(flow.id).state in ("aborting", "aborted")
    assert server.count("PATCH", f"/flows/{flow.id}") == 4
    assert emu.ledger[0].state in ("aborting", "aborted")


@pytest.mark.parametrize("dialect", ["conflict_400", "conflict_412", "conflict_423", "delete_204"])
def test_recovery_after_a_lost_delete_answer(
    client: Generio, server: VariantServer, emu: Emulator
) -> None:
    """A delete carried out but answered 500 is retried; its 404 proves success."""
    flow = client.flows.create(PROMPT_TEMPLATE)
    server.lose_next("delete_flow")
    assert client.flows.delete(flow.id) is None
    assert emu.ledger[0].deleted
    assert server.count("DELETE", f"/flows/{flow.id}") == 2


# --- outputs --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "dialect",
    ["asset_status_unknown", "misprinted_data_uri", "output_raw_bytes", "output_data_only"],
)
def test_outputs_read_in_every_form(client: Generio, server: VariantServer, tmp_path: Path) -> None:
    """Single output, listing with data, and download all give the emulator's GLB, whole."""
    flow_id, asset_id = _finished(client)
    (reference,) = emulator_outputs(server.emulator, flow_id)  # straight from the emulator
    one = client.flows.output(flow_id, asset_id)
    assert one.id == asset_id
    assert one.mime_type == "model/gltf-binary"
    assert one.data == reference
    listed = client.flows.outputs(flow_id, include_data=True)
    assert [(a.id, a.data, a.is_failed) for a in listed] == [(asset_id, reference, False)]
    paths = client.flows.download_outputs(flow_id, tmp_path)
    assert [p.read_bytes() for p in paths] == [reference]


@pytest.mark.parametrize("dialect", ["misprinted_data_uri"])
def test_misprinted_data_uri_is_still_refused_when_sending(
    client: Generio, server: VariantServer
) -> None:
    """Generio reads the misprint but never sends it: the upload fails before any request."""
    import base64

    flow = client.flows.create(IMAGE_TEMPLATE)
    misprinted = "data:image/png,base64;" + base64.b64encode(PNG).decode()
    with pytest.raises(InputError, match="base64"):
        client.flows.upload_input(flow.id, misprinted)
    assert server.count("POST", f"/flows/{flow.id}/inputs") == 0


@pytest.mark.parametrize("dialect", ["unknown_state"])
def test_unknown_states_are_waited_on(
    client: Generio, emu: Emulator, emu_clock: EmulatorClock
) -> None:
    """A flow reported 'queued' (a state we do not know) is waited on until it finishes."""
    emu.flow_seconds = 0.5
    seen: list[str] = []

    def look(flow: Flow) -> None:
        seen.append(flow.state)
        emu_clock.advance(0.1)  # each look moves the emulator's time on: queued, then running

    flow = client.flows.create(PROMPT_TEMPLATE, inputs="a chair")
    assert flow.state == "queued"
    done = client.flows.wait(flow.id, timeout=60, on_progress=look)
    assert done.state == "completed"
    assert seen[0] == "queued"
    assert "running" in seen


# --- errors ---------------------------------------------------------------------------

SHAPES = ["errors_nested", "errors_message", "errors_string", "errors_text"]


@pytest.mark.parametrize("dialect", SHAPES)
def test_errors_keep_the_servers_words_in_every_shape(client: Generio, dialect: str) -> None:
    """404 and 422 in each error shape keep the message, code, field errors and request id."""
    with pytest.raises(NotFoundError) as missing:
        client.flows.get("no-such-flow")
    assert "no-such-flow" in str(missing.value)
    assert "not found" in str(missing.value).lower()
    assert (missing.value.request_id or "").startswith("req-")
    assert missing.value.headers["x-request-id"] == missing.value.request_id
    coded = dialect in ("errors_nested", "errors_message")
    assert missing.value.code == ("E404" if coded else None)
    with pytest.raises(ValidationError) as invalid:
        client.flows.create(PROMPT_TEMPLATE, inputs="a chair", parameters={"quality": "ultra"})
    assert "quality" in str(invalid.value) or "low" in str(invalid.value)
    if dialect == "errors_nested":
        assert invalid.value.errors
        assert any("quality" in e.loc for e in invalid.value.errors)


@pytest.mark.parametrize("dialect", SHAPES)
def test_error_status_classes_survive_every_shape(client: Generio) -> None:
    """The status still picks the class: an unknown template is NotFound, never ServerError."""
    with pytest.raises(APIStatusError) as caught:
        client.templates.get("no_such_template")
    assert type(caught.value) is NotFoundError
    assert "no_such_template" in str(caught.value)
