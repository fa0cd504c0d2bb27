"""Error answers over HTTP: 401, 404, 409 and FastAPI's exact 422 bodies."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from generio.testing import Emulator, sample_jpeg, sample_png
from tests.helpers.emulator import Api, data_uri

UNKNOWN = "0123456789abcdef01234567"
OPERATIONS = [
    ("GET", "/templates"),
    ("GET", "/templates/model_optimize"),
    ("GET", "/flows"),
    ("POST", "/flows"),
    ("GET", f"/flows/{UNKNOWN}"),
    ("PATCH", f"/flows/{UNKNOWN}"),
    ("DELETE", f"/flows/{UNKNOWN}"),
    ("GET", f"/flows/{UNKNOWN}/inputs"),
    ("POST", f"/flows/{UNKNOWN}/inputs"),
    ("GET", f"/flows/{UNKNOWN}/inputs/{UNKNOWN}"),
    ("GET", f"/flows/{UNKNOWN}/outputs"),
    ("GET", f"/flows/{UNKNOWN}/outputs/{UNKNOWN}"),
]


def _detail(response: httpx.Response, status: int) -> Any:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()["detail"]


@pytest.mark.parametrize(
    ("authorization", "detail"),
    [
        (None, "Not authenticated"),
        ("Bearer wrong-key", "Invalid API key"),
        ("Bearer", "Invalid authentication credentials"),
        ("Token abc", "Invalid authentication credentials"),
        ("Basic dXNlcjpwYXNz", "Invalid authentication credentials"),
        ("garbage", "Invalid authentication credentials"),
    ],
)
def test_every_operation_needs_the_key(
    emu: Emulator, authorization: str | None, detail: str
) -> None:
    """Missing, wrong or malformed Authorization headers get 401 with a detail string."""
    headers = {} if authorization is None else {"Authorization": authorization}
    with httpx.Client(base_url=emu.base_url, headers=headers) as http:
        for method, path in OPERATIONS:
            response = http.request(method, path, json={"template": "model_optimize"})
            assert _detail(response, 401) == detail, (method, path)
            assert response.headers["www-authenticate"] == "Bearer"


def test_the_scheme_is_case_insensitive(emu: Emulator) -> None:
    """`bearer <key>` is accepted like `Bearer <key>`."""
    with httpx.Client(base_url=emu.base_url) as http:
        response = http.get("/templates", headers={"Authorization": f"bearer {emu.api_key}"})
    assert response.status_code == 200


def test_unknown_ids_are_404_with_a_detail(api: Api) -> None:
    """Unknown flows, assets and templates answer 404 `{"detail": "..."}`."""
    flow_id = api.create(inputs=[{"data": "a chair"}])["flow_id"]
    api.wait(flow_id)
    for method, path in OPERATIONS[4:]:
        body = {"action": "start"} if method == "PATCH" else {"data": "x"}
        response = api.client.request(method, path, json=body)
        assert UNKNOWN in _detail(response, 404), path
    for kind in ("inputs", "outputs"):
        assert "not found" in _detail(api.client.get(f"/flows/{flow_id}/{kind}/{UNKNOWN}"), 404)
    assert "not found" in _detail(api.client.get("/templates/no_such_template"), 404)


def test_creating_a_flow_from_an_unknown_template_is_404(api: Api) -> None:
    """POST /flows with a template that does not exist answers 404."""
    response = api.client.post("/flows", json={"template": "no_such_template"})
    assert _detail(response, 404) == "Template 'no_such_template' not found"
    assert api.emulator.ledger == []


def test_conflicts_are_409_with_a_detail(api: Api) -> None:
    """A request the state forbids answers 409 `{"detail": "<why>"}`."""
    flow_id = api.create()["flow_id"]
    detail = _detail(api.patch(flow_id, "abort"), 409)
    assert detail == f"Flow '{flow_id}' is created; only starting or running flows can be aborted"


def test_malformed_json_gets_fastapis_body(api: Api) -> None:
    """A body that is not JSON gets FastAPI's json_invalid error."""
    headers = {"Content-Type": "application/json"}
    response = api.client.post("/flows", content=b'{"template": ', headers=headers)
    assert _detail(response, 422) == [
        {
            "type": "json_invalid",
            "loc": ["body", 13],
            "msg": "JSON decode error",
            "input": {},
            "ctx": {"error": "Expecting value"},
        }
    ]


def test_a_body_that_is_not_text_is_422_too(api: Api) -> None:
    """Invalid UTF-8 is a 422 json_invalid, not FastAPI's undocumented 400."""
    headers = {"Content-Type": "application/json"}
    response = api.client.post("/flows", content=b"\xff\xfe\x00garbage", headers=headers)
    (error,) = _detail(response, 422)
    assert error["type"] == "json_invalid"
    assert error["loc"] == ["body", 0]


@pytest.mark.parametrize("path", ["/flows", "created"])
def test_a_prompt_with_a_lone_surrogate_is_422_at_creation(api: Api, path: str) -> None:
    """A JSON-escaped lone surrogate in an input is a 422 when sent, never a 500 later."""
    headers = {"Content-Type": "application/json"}
    data = '{"data": "a \\ud800 chair"}'
    if path == "/flows":
        body = '{"template": "model_generate_fromprompt", "inputs": [' + data + "]}"
    else:
        created = api.client.post("/flows", json={"template": "model_generate_fromprompt"})
        path, body = f"/flows/{created.json()['flow_id']}/inputs", data
    response = api.client.post(path, content=body.encode(), headers=headers)
    (error,) = _detail(response, 422)
    assert error["msg"] == "Value error, the data is not valid Unicode (lone surrogate)"
    assert error["loc"][-1] == "data"
    listed = api.client.get("/flows")
    assert listed.status_code == 200


def test_lone_surrogates_in_additional_are_kept_and_answered(api: Api) -> None:
    """``additional`` holding a lone surrogate is stored and sent back escaped, never a 500."""
    headers = {"Content-Type": "application/json"}
    body = (
        '{"template": "model_generate_fromprompt", "additional": {"x": "\\ud800"}, '
        '"inputs": [{"data": "a chair", "additional": "\\udc00"}]}'
    )
    created = api.client.post("/flows", content=body.encode(), headers=headers)
    assert created.status_code == 200, created.text
    flow_id = created.json()["flow_id"]
    assert '"\\ud800"' in created.text
    for path in ("", "/inputs", "/inputs?include_data=true"):
        answer = api.client.get(f"/flows/{flow_id}{path}")
        assert answer.status_code == 200, (path, answer.text)
    assert api.client.get(f"/flows/{flow_id}").json()["additional"] == {"x": "\ud800"}
    assert api.client.get(f"/flows/{flow_id}/inputs").json()["inputs"][0]["additional"] == "\udc00"


def test_missing_and_mistyped_fields(api: Api) -> None:
    """Missing and wrongly typed fields get pydantic's errors, located in the body."""
    assert _detail(api.client.post("/flows", json={}), 422) == [
        {"type": "missing", "loc": ["body", "template"], "msg": "Field required", "input": {}}
    ]
    response = api.client.post("/flows", json={"template": 5, "inputs": "x"})
    assert _detail(response, 422) == [
        {
            "type": "string_type",
            "loc": ["body", "template"],
            "msg": "Input should be a valid string",
            "input": 5,
        },
        {
            "type": "list_type",
            "loc": ["body", "inputs"],
            "msg": "Input should be a valid list",
            "input": "x",
        },
    ]
    response = api.client.post("/flows", json={"template": "model_optimize", "inputs": [{}]})
    assert _detail(response, 422) == [
        {
            "type": "missing",
            "loc": ["body", "inputs", 0, "data"],
            "msg": "Field required",
            "input": {},
        }
    ]


def test_unknown_and_disallowed_parameters(api: Api) -> None:
    """Unknown names, disallowed values and wrong types are 422 with pydantic's errors."""
    response = api.client.post(
        "/flows",
        json={
            "template": "model_generate_fromprompt",
            "parameters": {"quality": "medium", "seed": "7", "texture": "yes", "colour": "red"},
        },
    )
    assert _detail(response, 422) == [
        {
            "type": "literal_error",
            "loc": ["body", "parameters", "quality"],
            "msg": "Input should be 'low' or 'high'",
            "input": "medium",
            "ctx": {"expected": "'low' or 'high'"},
        },
        {
            "type": "int_type",
            "loc": ["body", "parameters", "seed"],
            "msg": "Input should be a valid integer",
            "input": "7",
        },
        {
            "type": "bool_type",
            "loc": ["body", "parameters", "texture"],
            "msg": "Input should be a valid boolean",
            "input": "yes",
        },
        {
            "type": "extra_forbidden",
            "loc": ["body", "parameters", "colour"],
            "msg": "Extra inputs are not permitted",
            "input": "red",
        },
    ]
    assert api.emulator.ledger == []


@pytest.mark.parametrize(
    ("template", "parameters", "error_type", "ctx"),
    [
        ("model_optimize", {"polygon_count": 0}, "greater_than", {"gt": 0}),
        ("model_optimize", {"polygon_count": -5}, "greater_than", {"gt": 0}),
        ("model_optimize", {"polygon_count": 1.5}, "int_type", None),
        ("model_optimize", {"polygon_count": True}, "int_type", None),
        ("model_optimize", {"quality": "low"}, "extra_forbidden", None),
        ("model_generate_fromimage", {"seed": -2}, "greater_than_equal", {"ge": -1}),
        (
            "model_generate_fromimage",
            {"quality": None},
            "literal_error",
            {"expected": "'low' or 'high'"},
        ),
    ],
)
def test_out_of_range_parameter_values(
    api: Api, template: str, parameters: dict[str, Any], error_type: str, ctx: Any
) -> None:
    """Each out-of-range or mistyped value is a 422 naming the parameter."""
    response = api.client.post("/flows", json={"template": template, "parameters": parameters})
    (error,) = _detail(response, 422)
    assert error["type"] == error_type
    assert error["loc"] == ["body", "parameters", *parameters]
    assert error["input"] == next(iter(parameters.values()))
    assert error.get("ctx") == ctx


def test_parameters_must_be_an_object(api: Api) -> None:
    """Parameters that are not an object get pydantic's dict_type error."""
    response = api.client.post("/flows", json={"template": "model_optimize", "parameters": [1]})
    assert _detail(response, 422) == [
        {
            "type": "dict_type",
            "loc": ["body", "parameters"],
            "msg": "Input should be a valid dictionary",
            "input": [1],
        }
    ]


def _data_error(response: httpx.Response, loc: list[Any]) -> str:
    (error,) = _detail(response, 422)
    assert error["type"] == "value_error"
    assert error["loc"] == loc
    assert error["ctx"] == {"error": {}}  # what FastAPI writes for a ValueError
    assert error["msg"].startswith("Value error, ")
    return str(error["msg"])


@pytest.mark.parametrize(
    ("template", "data", "why"),
    [
        ("model_generate_fromimage", data_uri("image/gif", b"GIF89a"), "not accepted"),
        ("model_generate_fromimage", "a plain string", "expected a data URI"),
        ("model_optimize", data_uri("image/png", sample_png()), "not accepted"),
        ("model_generate_fromprompt", data_uri("image/png", sample_png()), "not accepted"),
        ("model_generate_fromimage", "data:image/png;base64,iVBO!!!", "not valid base64"),
        ("model_generate_fromimage", "data:image/png;base64,iVBORw0KGgo", "not valid base64"),
        ("model_generate_fromimage", "data:image/png,base64;iVBORw0KGgo=", "base64-encoded"),
        ("model_generate_fromimage", "data:image/png,iVBORw0KGgo=", "base64-encoded"),
        ("model_generate_fromimage", "data:image/png;base64,", "holds no data"),
        ("model_generate_fromimage", "data:;base64,iVBORw0KGgo=", "no valid MIME type"),
        ("model_generate_fromimage", "data:image/png;base64", "no ','"),
        ("model_generate_fromprompt", "   ", "prompt is empty"),
    ],
)
def test_bad_input_data_is_422(api: Api, template: str, data: str, why: str) -> None:
    """Unaccepted MIME types and malformed data URIs are 422s at the input's `data`."""
    response = api.client.post("/flows", json={"template": template, "inputs": [{"data": data}]})
    assert why in _data_error(response, ["body", "inputs", 0, "data"])
    flow_id = api.create(template)["flow_id"]
    upload = api.client.post(f"/flows/{flow_id}/inputs", json={"data": data})
    assert why in _data_error(upload, ["body", "data"])
    assert api.client.get(f"/flows/{flow_id}/inputs").json()["inputs"] == []


@pytest.mark.parametrize(
    "mime", ["image/jpeg", "image/jpg", "image/png", "image/tiff", "image/webp"]
)
def test_every_documented_image_type_is_accepted(api: Api, mime: str) -> None:
    """JPEG is accepted under both spellings, as are PNG, TIFF and WEBP."""
    payload = sample_png() if mime == "image/png" else sample_jpeg()
    flow = api.create("model_generate_fromimage", inputs=[{"data": data_uri(mime, payload)}])
    assert api.wait(flow["flow_id"])["state"] == "completed"


@pytest.mark.parametrize(
    ("method", "path", "params", "body", "loc"),
    [
        ("GET", "/flows", {"filter_by": "starting"}, None, ["query", "filter_by"]),
        ("GET", "/flows", {"sort_by": "name"}, None, ["query", "sort_by"]),
        ("PATCH", f"/flows/{UNKNOWN}", None, {"action": "pause"}, ["body", "action"]),
        ("PATCH", f"/flows/{UNKNOWN}", None, {}, ["body", "action"]),
        (
            "GET",
            f"/flows/{UNKNOWN}/inputs",
            {"include_data": "maybe"},
            None,
            ["query", "include_data"],
        ),
    ],
)
def test_bad_queries_and_actions_are_422(
    api: Api, method: str, path: str, params: Any, body: Any, loc: list[str]
) -> None:
    """Query values and actions outside the spec's enums are 422s located where they are."""
    response = api.client.request(method, path, params=params, json=body)
    (error,) = _detail(response, 422)
    assert error["loc"] == loc


def test_a_broken_model_fails_its_flow(api: Api) -> None:
    """A GLB that cannot be read is accepted, then the flow fails with the reason on the output."""
    flow = api.create(
        "model_optimize", inputs=[{"data": data_uri("model/gltf-binary", b"not a model")}]
    )
    done = api.wait(flow["flow_id"])
    assert done["state"] == "failed"
    (output,) = api.client.get(f"/flows/{flow['flow_id']}/outputs").json()["outputs"]
    assert output["status"] == "error"
    assert "glTF binary" in output["error"]
    assert (
        api.client.get(f"/flows/{flow['flow_id']}/outputs/{output['asset_id']}").json()["data"]
        is None
    )
