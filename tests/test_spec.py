"""openapi.json: a valid OpenAPI 3.1 document of every operation the reference names."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

SPEC_PATH = Path(__file__).parent.parent / "openapi.json"
SPEC: dict[str, Any] = json.loads(SPEC_PATH.read_text())

STATE_FILTER = ["created", "running", "aborting", "completed", "aborted", "failed"]
SORT_FIELDS = ["state", "status", "progress", "created_at", "started_at", "finished_at"]

# (method, path, operationId, tag, request body schema, 200 schema, error statuses, parameters)
# parameters: name -> (location, type, default, allowed values or None)
OPERATIONS = [
    ("get", "/templates", "list_templates", "templates", None, "TemplateList", {401}, {}),
    (
        "get",
        "/templates/{template_id}",
        "get_template",
        "templates",
        None,
        "Template",
        {401, 404, 422},
        {"template_id": ("path", "string", None, None)},
    ),
    (
        "get",
        "/flows",
        "list_flows",
        "flows",
        None,
        "FlowList",
        {401, 422},
        {
            "filter_by": ("query", "string", None, STATE_FILTER),
            "sort_by": ("query", "string", "created_at", SORT_FIELDS),
        },
    ),
    ("post", "/flows", "create_flow", "flows", "FlowCreate", "Flow", {401, 404, 422}, {}),
    (
        "get",
        "/flows/{flow_id}",
        "get_flow",
        "flows",
        None,
        "Flow",
        {401, 404, 422},
        {"flow_id": ("path", "string", None, None)},
    ),
    (
        "patch",
        "/flows/{flow_id}",
        "update_flow",
        "flows",
        "FlowAction",
        "Flow",
        {401, 404, 409, 422},
        {"flow_id": ("path", "string", None, None)},
    ),
    (
        "delete",
        "/flows/{flow_id}",
        "delete_flow",
        "flows",
        None,
        "FlowDeleted",
        {401, 404, 409, 422},
        {"flow_id": ("path", "string", None, None)},
    ),
    (
        "get",
        "/flows/{flow_id}/inputs",
        "list_inputs",
        "inputs",
        None,
        "InputList",
        {401, 404, 422},
        {
            "flow_id": ("path", "string", None, None),
            "include_data": ("query", "boolean", False, None),
        },
    ),
    (
        "post",
        "/flows/{flow_id}/inputs",
        "upload_input",
        "inputs",
        "Input",
        "Asset",
        {401, 404, 409, 422},
        {"flow_id": ("path", "string", None, None)},
    ),
    (
        "get",
        "/flows/{flow_id}/inputs/{asset_id}",
        "get_input",
        "inputs",
        None,
        "Asset",
        {401, 404, 422},
        {"flow_id": ("path", "string", None, None), "asset_id": ("path", "string", None, None)},
    ),
    (
        "get",
        "/flows/{flow_id}/outputs",
        "list_outputs",
        "outputs",
        None,
        "OutputList",
        {401, 404, 409, 422},
        {
            "flow_id": ("path", "string", None, None),
            "include_data": ("query", "boolean", False, None),
        },
    ),
    (
        "get",
        "/flows/{flow_id}/outputs/{asset_id}",
        "get_output",
        "outputs",
        None,
        "Asset",
        {401, 404, 409, 422},
        {"flow_id": ("path", "string", None, None), "asset_id": ("path", "string", None, None)},
    ),
]


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    """Follow a local $ref (and a nullable anyOf) to the schema that carries the type."""
    if "anyOf" in schema:
        (schema,) = [s for s in schema["anyOf"] if s.get("type") != "null"]
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return {
            **SPEC["components"]["schemas"][name],
            **{k: v for k, v in schema.items() if k != "$ref"},
        }
    return schema


def _ref_name(content: dict[str, Any]) -> str:
    return str(content["application/json"]["schema"]["$ref"].rsplit("/", 1)[1])


def test_spec_is_valid_openapi_31() -> None:
    """openapi-spec-validator accepts the document as OpenAPI 3.1."""
    # Imported here: 0.6 s of CPU that every worker would pay at collection, for one test.
    from openapi_spec_validator import validate

    assert SPEC["openapi"].startswith("3.1")
    validate(SPEC)


def test_spec_has_exactly_the_reference_operations() -> None:
    """The spec holds the 12 operations of the reference and no others."""
    found = {
        (method, path)
        for path, item in SPEC["paths"].items()
        for method in item
        if method in {"get", "post", "patch", "delete", "put"}
    }
    assert found == {(m, p) for m, p, *_ in OPERATIONS}


@pytest.mark.parametrize(
    ("method", "path", "op_id", "tag", "body", "ok", "errors", "params"),
    OPERATIONS,
    ids=[op[2] for op in OPERATIONS],
)
def test_operation_matches_reference(
    method: str,
    path: str,
    op_id: str,
    tag: str,
    body: str | None,
    ok: str,
    errors: set[int],
    params: dict[str, tuple[str, str, Any, list[str] | None]],
) -> None:
    """Each operation has its id, tag, parameters, body and documented responses."""
    op = SPEC["paths"][path][method]
    assert op["operationId"] == op_id
    assert op["tags"] == [tag]
    assert op["summary"]
    assert op["description"]

    declared = {p["name"]: p for p in op.get("parameters", [])}
    assert set(declared) == set(params)
    for name, (location, type_, default, allowed) in params.items():
        param = declared[name]
        assert param["in"] == location
        assert param.get("required", False) is (location == "path")
        assert param["description"]
        schema = _resolve(param["schema"])
        assert schema["type"] == type_
        assert schema.get("default") == default
        assert schema.get("enum") == allowed

    if body is None:
        assert "requestBody" not in op
    else:
        assert op["requestBody"]["required"] is True
        assert _ref_name(op["requestBody"]["content"]) == body

    responses = op["responses"]
    assert set(responses) == {"200"} | {str(code) for code in errors}
    assert _ref_name(responses["200"]["content"]) == ok
    for code in errors:
        expected = "HTTPValidationError" if code == 422 else "ErrorDetail"
        assert _ref_name(responses[str(code)]["content"]) == expected


def test_every_operation_requires_the_bearer_key() -> None:
    """The bearer scheme is declared and applies to every operation."""
    assert SPEC["components"]["securitySchemes"]["HTTPBearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": SPEC["components"]["securitySchemes"]["HTTPBearer"]["description"],
    }
    assert SPEC["security"] == [{"HTTPBearer": []}]
    for item in SPEC["paths"].values():
        for op in item.values():
            assert "security" not in op  # nothing opts out of the global requirement


def test_tags_are_declared_with_descriptions() -> None:
    """The four tags are declared once each, with a description."""
    assert [t["name"] for t in SPEC["tags"]] == ["templates", "flows", "inputs", "outputs"]
    assert all(t["description"] for t in SPEC["tags"])


@pytest.mark.parametrize("name", sorted(SPEC["components"]["schemas"]))
def test_every_schema_has_an_example_that_validates(name: str) -> None:
    """Each schema carries an example, and the example validates against it."""
    from jsonschema import Draft202012Validator  # comes with openapi-spec-validator

    schema = SPEC["components"]["schemas"][name]
    assert schema.get("examples"), f"{name} has no example"
    resolver_root = {"components": SPEC["components"], **schema}
    validator = Draft202012Validator(resolver_root)
    for example in schema["examples"]:
        validator.validate(example)


def test_flow_states_and_asset_status_accept_unknown_values() -> None:
    """State and status are 'known enum or any string', so new values stay parseable."""
    flow = SPEC["components"]["schemas"]["Flow"]["properties"]["state"]
    asset = SPEC["components"]["schemas"]["Asset"]["properties"]["status"]
    for prop, enum in ((flow, "FlowState"), (asset, "AssetStatus")):
        assert prop["anyOf"] == [{"$ref": f"#/components/schemas/{enum}"}, {"type": "string"}]
    assert SPEC["components"]["schemas"]["FlowState"]["enum"] == [
        "created",
        "starting",
        "running",
        "aborting",
        "completed",
        "aborted",
        "failed",
    ]


def test_nullable_fields_are_written_as_fastapi_writes_them() -> None:
    """Optional timestamps and asset fields are anyOf [..., {type: null}]."""
    schemas = SPEC["components"]["schemas"]
    for model, field in [
        ("Flow", "started_at"),
        ("Flow", "finished_at"),
        ("Asset", "data"),
        ("Asset", "error"),
        ("Asset", "processed"),
        ("FlowCreate", "inputs"),
    ]:
        assert {"type": "null"} in schemas[model]["properties"][field]["anyOf"], (model, field)


def test_free_form_fields_accept_any_json() -> None:
    """Additional and parameters carry no type: any JSON, null included."""
    schemas = SPEC["components"]["schemas"]
    for model in ("Flow", "FlowCreate", "Input", "Asset"):
        assert "type" not in schemas[model]["properties"]["additional"]
    for model in ("Flow", "FlowCreate"):
        assert "type" not in schemas[model]["properties"]["parameters"]


def test_only_identifiers_are_required_in_answers() -> None:
    """Where the docs do not guarantee a field, the spec makes it optional (tolerant reader)."""
    schemas = SPEC["components"]["schemas"]
    required = {name: schema.get("required", []) for name, schema in schemas.items()}
    assert required["Flow"] == ["flow_id"]
    assert required["Template"] == ["name"]
    for name in ("Asset", "TemplateParameter", "FlowDeleted", "ErrorDetail"):
        assert required[name] == [], name
    for name, key in [
        ("FlowList", "flows"),
        ("TemplateList", "templates"),
        ("InputList", "inputs"),
        ("OutputList", "outputs"),
    ]:
        assert required[name] == [key], name
        assert {"type": "null"} in schemas[name]["properties"]["next"]["anyOf"], name
