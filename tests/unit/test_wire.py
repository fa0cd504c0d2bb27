"""The tolerant reader, error bodies of every shape, and next-link resolution (no server)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import pytest

from generio import ConflictError, NotFoundError, ServerError, ValidationError
from generio._degrade import forget_degradations
from generio._jobs.calls import resolve_link
from generio._payload.error_body import error_from_response
from generio._payload.extract import DataFieldExtractor
from generio._payload.models import Asset
from generio._payload.wire import (
    asset_from_json,
    flow_from_json,
    flow_or_none,
    items_of,
    page_of,
    template_from_json,
    timestamp,
)

WHEN = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_warnings() -> None:
    """Each test sees the once-per-process warnings again."""
    forget_degradations()


def test_a_flow_needs_only_its_id() -> None:
    """A flow of only an id reads with defaults: unknown state, no progress, no times."""
    flow = flow_from_json({"id": "f1"})
    assert (flow.id, flow.state, flow.progress, flow.template) == ("f1", "unknown", 0.0, "")
    assert (flow.created_at, flow.parameters, flow.additional) == (None, {}, None)
    assert not flow.is_terminal


def test_flow_aliases_and_epoch_times() -> None:
    """``id``/``status`` aliases, epoch seconds and milliseconds, percentages, extra fields."""
    epoch = WHEN.timestamp()
    flow = flow_from_json(
        {
            "id": "f2",
            "status": "running",
            "progress": 40,
            "created_at": epoch,
            "started_at": epoch * 1000,
            "finished_at": None,
            "owner": {"ignored": True},
        }
    )
    assert (flow.id, flow.state, flow.progress) == ("f2", "running", 0.4)
    assert flow.created_at == WHEN
    assert flow.started_at == WHEN
    assert flow.finished_at is None


def test_timestamps_in_every_form() -> None:
    """ISO with Z, with an offset, naive (taken as UTC), numeric strings; junk is None."""
    assert timestamp("2026-01-02T03:04:05Z") == WHEN
    assert timestamp("2026-01-02T04:04:05+01:00") == WHEN
    assert timestamp("2026-01-02T03:04:05") == WHEN
    assert timestamp(str(WHEN.timestamp())) == WHEN
    assert timestamp("yesterday") is None
    assert timestamp([1]) is None


@pytest.mark.parametrize("body", [{"state": "running"}, [], "flow", None])
def test_a_flow_without_an_id_is_refused(body: object) -> None:
    """No identifier (or no object): KeyError or TypeError, which become a ServerError."""
    with pytest.raises((KeyError, TypeError)):
        flow_from_json(body)
    assert flow_or_none(body) is None


def test_template_in_our_shape_and_in_others() -> None:
    """Mapping or list parameters, ``id``/``inputs``/``outputs`` aliases give one Template."""
    ours = template_from_json(
        {
            "template_id": "t1",
            "name": "gen",
            "parameters": {"seed": {"type": "integer", "default": -1}},
            "input_types": ["text/plain"],
            "output_types": ["model/gltf-binary"],
        }
    )
    theirs = template_from_json(
        {
            "id": "t1",
            "name": "gen",
            "parameters": [{"name": "seed", "type": "integer", "default": -1}],
            "inputs": ["text/plain"],
            "outputs": "model/gltf-binary",
            "version": 3,
        }
    )
    assert ours == theirs
    assert ours.input_types_known
    assert ours.parameters_known


def test_a_template_without_types_is_not_checkable() -> None:
    """A template known by its name only: empty types, and the checks know it."""
    template = template_from_json({"name": "gen"})
    assert (template.id, template.name, template.input_types) == ("gen", "gen", ())
    assert not template.input_types_known
    assert not template.parameters_known
    with pytest.raises(KeyError):
        template_from_json({"description": "no identifier"})


def test_asset_aliases_status_and_misprinted_data() -> None:
    """``id`` for ``asset_id``; an unknown status is not a failure; a misprint is repaired."""
    asset = asset_from_json(
        {"id": "a1", "status": "succeeded", "data": "data:model/gltf-binary,base64;Z2xURg=="},
        flow_id="f1",
        kind="output",
    )
    assert (asset.id, asset.status, asset.is_failed) == ("a1", "succeeded", False)
    assert asset.mime_type == "model/gltf-binary"
    assert asset.data == b"glTF"
    assert asset.wire_value() == "data:model/gltf-binary;base64,Z2xURg=="  # sent rightly
    only_data = asset_from_json({"data": "hi"}, flow_id="f1", kind="output", default_id="a9")
    assert (only_data.id, only_data.data) == ("a9", b"hi")
    assert Asset("a2", status="error").is_failed


def test_lists_bare_or_wrapped_and_their_next_link() -> None:
    """A bare array, the own key, ``items``; ``next`` as a string or in ``links``."""
    entry = {"flow_id": "f1"}
    assert items_of([entry], "flows") == [entry]
    assert items_of({"flows": [entry]}, "flows") == [entry]
    assert items_of({"items": [entry], "total": 1}, "flows") == [entry]
    with pytest.raises(TypeError):
        items_of({"total": 0}, "flows")
    page = page_of({"flows": [entry], "next": "/flows?page=2"}, "flows", flow_from_json)
    assert ([f.id for f in page.items], page.next) == (["f1"], "/flows?page=2")
    linked = page_of({"flows": [], "links": {"next": {"href": "?c=3"}}}, "flows", flow_from_json)
    assert linked.next == "?c=3"
    assert page_of([entry], "flows", flow_from_json).next is None


@pytest.mark.parametrize(
    ("base", "current", "link", "expected"),
    [
        ("https://h.example", "/flows", "/flows?page=2", "/flows?page=2"),
        ("https://h.example", "/flows", "?page=2", "/flows?page=2"),
        ("https://h.example", "/flows", "https://h.example/flows?c=x", "/flows?c=x"),
        ("https://h.example/api", "/flows", "https://h.example/api/flows?p=2", "/flows?p=2"),
        ("https://h.example/api", "/flows", "flows?p=2", "/flows?p=2"),
        ("https://h.example", "/flows", "https://evil.example/flows?p=2", None),
        ("https://h.example", "/flows", "http://h.example/flows?p=2", None),
        ("https://h.example/api", "/flows", "/other/flows", None),
    ],
)
def test_next_links_resolve_within_the_base_url_only(
    base: str, current: str, link: str, expected: str | None
) -> None:
    """Relative and absolute links resolve; one leaving the base URL is not followed."""
    assert resolve_link(base, current, link) == expected


def test_each_degradation_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    """Reading many aliased flows says so once, at WARNING, naming what was unexpected."""
    caplog.set_level(logging.WARNING, "generio")
    for n in range(5):
        flow_from_json({"id": f"f{n}", "status": "running"})
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(messages) == 2  # one for 'id', one for 'status'
    assert any("'flow_id' field 'id'" in m for m in messages)
    assert any("'state' field 'status'" in m for m in messages)


def test_the_stream_reader_accepts_the_misprint_only_when_told() -> None:
    """Downloads read the misprinted data URI; the strict reader still refuses it."""
    body = json.dumps({"data": "data:model/gltf-binary,base64;Z2xURg=="}).encode()
    out: list[bytes] = []
    lenient = DataFieldExtractor(out.append, accept_misprint=True)
    for i in range(len(body)):  # split everywhere
        lenient.feed(body[i : i + 1])
    lenient.close()
    assert (b"".join(out), lenient.mime_type) == (b"glTF", "model/gltf-binary")
    strict = DataFieldExtractor(out.append)
    with pytest.raises(ValueError, match="by mistake"):
        strict.feed(body)


# --- errors in every shape --------------------------------------------------------------

REQUEST_ID = {"x-request-id": "req-42", "content-type": "application/json"}
SHAPES = [
    ({"detail": "Flow 'f9' not found"}, None),
    ({"error": {"code": "not_found", "message": "Flow 'f9' not found", "fields": []}}, "not_found"),
    ({"message": "Flow 'f9' not found", "code": "not_found"}, "not_found"),
    ({"error": "Flow 'f9' not found"}, None),
    ({"error": "not_found", "message": "Flow 'f9' not found"}, "not_found"),
    ({"detail": {"message": "Flow 'f9' not found", "code": 404}}, "404"),
    ("Flow 'f9' not found", None),
]


@pytest.mark.parametrize(("body", "code"), SHAPES)
def test_error_bodies_keep_the_servers_words(body: object, code: str | None) -> None:
    """Every common shape (and plain text) keeps the message, the code and the headers."""
    content = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    error = error_from_response("GET", "/flows/f9", 404, content, REQUEST_ID)
    assert isinstance(error, NotFoundError)
    assert "Flow 'f9' not found" in str(error)
    assert error.code == code
    assert error.request_id == "req-42"
    assert "request id req-42" in str(error)  # quotable to the service's support
    assert error.headers["content-type"] == "application/json"


def test_field_errors_of_either_shape_land_in_errors() -> None:
    """FastAPI's list and ``error.fields`` (list or mapping) give the same FieldErrors."""
    fastapi = {"detail": [{"loc": ["body", "quality"], "msg": "bad value", "type": "enum"}]}
    nested = {
        "error": {
            "code": "invalid",
            "message": "Invalid request",
            "fields": [{"field": "body.quality", "message": "bad value", "code": "enum"}],
        }
    }
    mapping = {"error": {"message": "Invalid request", "fields": {"quality": ["bad value"]}}}
    errors = []
    for body in (fastapi, nested, mapping):
        error = error_from_response("POST", "/flows", 422, json.dumps(body).encode(), {})
        assert isinstance(error, ValidationError)
        assert "quality" in str(error.errors[0])
        assert error.errors[0].msg == "bad value"
        errors.append(error)
    assert errors[0].errors == errors[1].errors
    assert errors[1].code == "invalid"
    assert "Invalid request" in str(errors[2])


def test_request_id_under_either_header_and_on_every_status() -> None:
    """``request-id`` works too; 5xx and HTML pages keep the headers as well."""
    plain = error_from_response("GET", "/flows", 503, b"busy", {"request-id": "r-7"})
    assert isinstance(plain, ServerError)
    assert (plain.request_id, str(plain).count("busy")) == ("r-7", 1)
    html = error_from_response("GET", "/flows", 409, b"<html>x</html>", {"x-request-id": "r-8"})
    assert isinstance(html, ConflictError)
    assert html.request_id == "r-8"
    assert "unreadable body" in str(html)
    bare = error_from_response("GET", "/flows", 500, b"", {})
    assert (bare.request_id, bare.headers, bare.code) == (None, {}, None)


@pytest.mark.parametrize("field", ["mime_type", "content_type", "mimeType", "media_type"])
def test_asset_metadata_may_state_its_mime_type(field: str) -> None:
    """An asset listed without data gives the MIME type its metadata states, if any."""
    asset = asset_from_json(
        {"asset_id": "a1", field: "model/gltf-binary; x=1"}, flow_id="f1", kind="output"
    )
    assert asset.mime_type == "model/gltf-binary"
    plain = asset_from_json({"asset_id": "a1", field: "not a type"}, flow_id="f1", kind="output")
    assert plain.mime_type is None


def test_unknown_fields_stay_in_raw() -> None:
    """A field the reader does not know is kept in .raw of a flow, a template and an asset."""
    flow = flow_from_json({"flow_id": "f1", "state": "running", "priority": 7, "tags": ["a"]})
    assert (flow.raw["priority"], flow.raw["tags"]) == (7, ["a"])
    template = template_from_json({"template_id": "t1", "name": "n", "cost": {"credits": 2}})
    assert template.raw["cost"] == {"credits": 2}
    asset = asset_from_json({"asset_id": "a1", "width": 512}, flow_id="f1", kind="output")
    assert asset.raw["width"] == 512
    with pytest.raises(TypeError):
        flow.raw["priority"] = 8  # type: ignore[index]


def test_raw_has_the_idempotency_marker_removed() -> None:
    """raw["additional"] reads back what the caller passed, as flow.additional does."""
    marker = {"key": "k", "fingerprint": "sha256:0"}
    flow = flow_from_json(
        {"flow_id": "f1", "additional": {"job": 1, "_generio_idempotency": marker}}
    )
    assert flow.raw["additional"] == {"job": 1} == flow.additional
    wrapped = flow_from_json(
        {"flow_id": "f2", "additional": {"_generio_idempotency": {**marker, "value": [1]}}}
    )
    assert wrapped.raw["additional"] == [1] == wrapped.additional
    assert "_generio_idempotency" not in json.dumps(dict(wrapped.raw))


def test_raw_survives_pickling_and_leaves_equality_alone() -> None:
    """A flow pickles with its raw answer; two reads of one state compare equal."""
    import pickle

    flow = flow_from_json({"flow_id": "f1", "state": "running", "priority": 7})
    again = pickle.loads(pickle.dumps(flow))  # noqa: S301 - our own bytes
    assert again.raw == {"flow_id": "f1", "state": "running", "priority": 7}
    assert flow == flow_from_json({"flow_id": "f1", "state": "running", "priority": 8})
