"""The generated client alone: right requests for every operation, lenient parsing of bodies.

These run against httpx.MockTransport on purpose: they pin the wire format the generator
produces from openapi.json, independent of any server.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
import pytest
from generio_api import Client
from generio_api.api.flows import create_flow, delete_flow, get_flow, list_flows, update_flow
from generio_api.api.inputs import get_input, list_inputs, upload_input
from generio_api.api.outputs import get_output, list_outputs
from generio_api.api.templates import get_template, list_templates
from generio_api.models import (
    Action,
    Asset,
    AssetStatus,
    Flow,
    FlowAction,
    FlowCreate,
    FlowSortField,
    FlowState,
    FlowStateFilter,
    Input,
)

KEY = "sk-test-lowlevel"
FID = "6941ac784e4fd44b7afb5f4c"
AID = "6941ac784e4fd44b7afb5f4d"

FLOW = {
    "flow_id": FID,
    "template": "model_generate_fromprompt",
    "parameters": {"quality": "high", "seed": -1, "texture": True},
    "additional": {"job": 7},
    "state": "running",
    "progress": 0.25,
    "created_at": "2025-12-16T18:04:08.123456Z",
    "started_at": "2025-12-16T18:04:09Z",
    "finished_at": None,
}
TEMPLATE = {
    "template_id": "tpl-1",
    "name": "model_optimize",
    "description": "reduce polygon count of a model",
    "category": "Assets → 3D Model",
    "parameters": {
        "polygon_count": {"type": "integer", "default": 100000, "description": "target"},
    },
    "input_types": ["model/gltf-binary"],
    "output_types": ["model/gltf-binary"],
}
ASSET = {
    "asset_id": AID,
    "status": "ready",
    "processed": "2025-12-16T18:05:01.5Z",
    "additional": None,
    "data": "data:model/gltf-binary;base64,Z2xURg==",
    "error": None,
}


def _client(
    respond: Callable[[httpx.Request], httpx.Response],
) -> tuple[Client, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        request.read()
        seen.append(request)
        return respond(request)

    http = httpx.Client(
        base_url="https://flows.generio.ai",
        transport=httpx.MockTransport(handler),
        headers={"Authorization": f"Bearer {KEY}"},
    )
    return Client(base_url="https://flows.generio.ai").set_httpx_client(http), seen


def _canonical(value: Any) -> Any:
    """Timestamps as datetimes, so '...Z' and '...+00:00' compare equal."""
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    if isinstance(value, str) and len(value) >= 19 and value[10:11] == "T":
        return datetime.fromisoformat(value)
    return value


def _json(body: Any, status: int = 200) -> Callable[[httpx.Request], httpx.Response]:
    return lambda _request: httpx.Response(status, json=body)


# (name, call, response body, method, path, query, request body)
CASES: list[tuple[str, Callable[[Client], Any], Any, str, str, dict[str, str], Any]] = [
    (
        "list_templates",
        lambda c: list_templates.sync(client=c),
        {"templates": [TEMPLATE]},
        "GET",
        "/templates",
        {},
        None,
    ),
    (
        "get_template",
        lambda c: get_template.sync("model_optimize", client=c),
        TEMPLATE,
        "GET",
        "/templates/model_optimize",
        {},
        None,
    ),
    (
        "list_flows",
        lambda c: list_flows.sync(
            client=c, filter_by=FlowStateFilter.COMPLETED, sort_by=FlowSortField.PROGRESS
        ),
        {"flows": [FLOW]},
        "GET",
        "/flows",
        {"filter_by": "completed", "sort_by": "progress"},
        None,
    ),
    (
        "create_flow",
        lambda c: create_flow.sync(
            client=c,
            body=FlowCreate(
                template="model_generate_fromprompt",
                parameters={"seed": 42},
                additional=[1, "x"],
                inputs=[Input(data="a red chair", additional={"n": 1})],
            ),
        ),
        FLOW,
        "POST",
        "/flows",
        {},
        {
            "template": "model_generate_fromprompt",
            "parameters": {"seed": 42},
            "additional": [1, "x"],
            "inputs": [{"data": "a red chair", "additional": {"n": 1}}],
        },
    ),
    ("get_flow", lambda c: get_flow.sync(FID, client=c), FLOW, "GET", f"/flows/{FID}", {}, None),
    (
        "update_flow",
        lambda c: update_flow.sync(FID, client=c, body=FlowAction(action=Action.ABORT)),
        FLOW,
        "PATCH",
        f"/flows/{FID}",
        {},
        {"action": "abort"},
    ),
    (
        "delete_flow",
        lambda c: delete_flow.sync(FID, client=c),
        {"flow_id": FID, "deleted": True},
        "DELETE",
        f"/flows/{FID}",
        {},
        None,
    ),
    (
        "list_inputs",
        lambda c: list_inputs.sync(FID, client=c, include_data=True),
        {"flow_id": FID, "inputs": [ASSET]},
        "GET",
        f"/flows/{FID}/inputs",
        {"include_data": "true"},
        None,
    ),
    (
        "upload_input",
        lambda c: upload_input.sync(
            FID, client=c, body=Input(data="data:image/png;base64,iVBORw0KGgo=", additional=None)
        ),
        {**ASSET, "data": None},
        "POST",
        f"/flows/{FID}/inputs",
        {},
        {"data": "data:image/png;base64,iVBORw0KGgo=", "additional": None},
    ),
    (
        "get_input",
        lambda c: get_input.sync(FID, AID, client=c),
        ASSET,
        "GET",
        f"/flows/{FID}/inputs/{AID}",
        {},
        None,
    ),
    (
        "list_outputs",
        lambda c: list_outputs.sync(FID, client=c),
        {"flow_id": FID, "outputs": [ASSET]},
        "GET",
        f"/flows/{FID}/outputs",
        {"include_data": "false"},
        None,
    ),
    (
        "get_output",
        lambda c: get_output.sync(FID, AID, client=c),
        ASSET,
        "GET",
        f"/flows/{FID}/outputs/{AID}",
        {},
        None,
    ),
]


@pytest.mark.parametrize(
    ("call", "body", "method", "path", "query", "sent"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_every_operation_builds_its_request_and_parses_its_body(
    call: Callable[[Client], Any],
    body: Any,
    method: str,
    path: str,
    query: dict[str, str],
    sent: Any,
) -> None:
    """Method, path, query, auth header and JSON body are right; the 200 body round-trips."""
    client, seen = _client(_json(body))
    parsed = call(client)
    (request,) = seen
    assert request.method == method
    assert request.url.path == path
    assert dict(request.url.params) == query
    assert request.headers["authorization"] == f"Bearer {KEY}"
    if sent is None:
        assert request.content == b""
    else:
        assert request.headers["content-type"] == "application/json"
        assert json.loads(request.content) == sent
    assert parsed is not None
    assert _canonical(parsed.to_dict()) == _canonical(body)


def test_asset_parses_both_identifier_spellings_and_extra_fields() -> None:
    """An asset may name its id asset_id (docs) or id (quickstart); unknown keys are kept."""
    documented = Asset.from_dict({"asset_id": AID, "status": "ready"})
    quickstart = Asset.from_dict({"id": AID, "status": "ready", "thumbnail": "x.png"})
    assert documented.asset_id == AID
    assert quickstart.id == AID
    assert quickstart.additional_properties == {"thumbnail": "x.png"}


def test_output_with_only_data_parses() -> None:
    """The docs say the output download has 'only the data field': that still parses."""
    client, _ = _client(_json({"data": "data:model/gltf-binary;base64,Z2xURg=="}))
    asset = get_output.sync(FID, AID, client=client)
    assert isinstance(asset, Asset)
    assert asset.data == "data:model/gltf-binary;base64,Z2xURg=="


def test_unknown_flow_state_and_asset_status_do_not_crash() -> None:
    """A state or status the spec does not know comes back as a plain string."""
    flow = Flow.from_dict({**FLOW, "state": "queued", "priority": 3})
    asset = Asset.from_dict({**ASSET, "status": "archived"})
    assert flow.state == "queued"
    assert not isinstance(flow.state, FlowState)
    assert flow.additional_properties == {"priority": 3}
    assert asset.status == "archived"
    assert not isinstance(asset.status, AssetStatus)
    known = Flow.from_dict(FLOW)
    assert known.state is FlowState.RUNNING


def test_nullable_fields_parse_to_none() -> None:
    """Fields FastAPI writes as anyOf [..., null] give None, not a crash."""
    flow = Flow.from_dict({**FLOW, "started_at": None, "additional": None, "parameters": None})
    asset = Asset.from_dict({**ASSET, "processed": None, "data": None, "error": None})
    assert flow.started_at is None
    assert flow.finished_at is None
    assert flow.additional is None
    assert flow.parameters is None
    assert (asset.processed, asset.data, asset.error) == (None, None, None)


@pytest.mark.parametrize("value", [None, 1, "text", [1, 2], {"a": {"b": None}}, True])
def test_free_form_json_round_trips(value: Any) -> None:
    """Additional is any JSON, null included, in both directions."""
    body = FlowCreate(template="model_optimize", additional=value).to_dict()
    assert body["additional"] == value
    assert Flow.from_dict({**FLOW, "additional": value}).additional == value


@pytest.mark.parametrize(
    ("status", "detail"),
    [(401, "Not authenticated"), (404, "Flow not found"), (409, "Flow is running")],
)
def test_documented_error_bodies_are_parsed(status: int, detail: str) -> None:
    """401/404/409 bodies come back as ErrorDetail models in .parsed."""
    client, _ = _client(_json({"detail": detail}, status))
    response = update_flow.sync_detailed(FID, client=client, body=FlowAction(action=Action.START))
    assert response.status_code == status
    assert response.parsed is not None
    assert response.parsed.to_dict() == {"detail": detail}


def test_validation_error_body_is_parsed() -> None:
    """A FastAPI 422 body parses into HTTPValidationError with its locations."""
    body = {
        "detail": [
            {"type": "missing", "loc": ["body", "template"], "msg": "Field required", "input": {}}
        ]
    }
    client, _ = _client(_json(body, 422))
    response = create_flow.sync_detailed(client=client, body=FlowCreate(template=""))
    assert response.status_code == 422
    parsed = response.parsed
    assert parsed is not None
    errors = parsed.to_dict()["detail"]
    assert errors[0]["loc"] == ["body", "template"]
    assert errors[0]["msg"] == "Field required"
