"""The twelve operations of ``openapi.json`` over the store, as plain async functions.

Both ways into the emulator call these: FastAPI's routes (every request the fast path does
not take, so FastAPI's own 404s, 405s and 422s stay as they are) and the fast path in front
of it (``_fast.py``), which skips FastAPI's routing and dependency solving. Answers are
pre-serialised JSON; errors are :class:`NotFound`, :class:`Conflict` or FastAPI's
``RequestValidationError`` (template-specific checks, in FastAPI's shape).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any, Literal, TypeVar

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from starlette.responses import Response, StreamingResponse

from generio.testing._core import Core
from generio.testing._flows import Flow, OutputAsset, asset_json
from generio.testing._inputs import ParsedInput, parse_input
from generio.testing._listing import next_link
from generio.testing._outputs import render_output
from generio.testing._spec import openapi_bytes
from generio.testing._store import Conflict, NotFound
from generio.testing._templates import TEMPLATES, ParameterError, TemplateSpec, find_template

__all__ = [
    "FlowActionBody",
    "FlowCreateBody",
    "InputBody",
    "Operations",
    "SortField",
    "StateFilter",
    "json_response",
]

_HEAVY = 1 << 20  # payloads above this are decoded or rendered off the event loop
#: Outputs above this are sent in slices of the kept data URI, never copied whole per
#: request: fifty clients fetching one 200 MB model share its one copy.
_SLICE = 1 << 20
T = TypeVar("T")

StateFilter = Literal["created", "running", "aborting", "completed", "aborted", "failed"]
SortField = Literal["state", "status", "progress", "created_at", "started_at", "finished_at"]


class InputBody(BaseModel):
    """One input: a data URI or a prompt, and JSON kept with it."""

    data: str
    additional: Any = None


class FlowCreateBody(BaseModel):
    """The body of ``POST /flows``."""

    template: str
    parameters: Any = None
    additional: Any = None
    inputs: list[InputBody] | None = None


class FlowActionBody(BaseModel):
    """The body of ``PATCH /flows/{flow_id}``."""

    action: Literal["start", "abort"]


def _dumps(value: Any, **options: Any) -> str:
    """Return JSON text UTF-8 can carry: escaped as ASCII when a lone surrogate is stored.

    JSON's ``ud800``-style escapes decode to lone surrogates (in ``additional``, say); written
    unescaped they could not be encoded, and every answer carrying them would be a 500.
    """
    text = json.dumps(value, ensure_ascii=False, **options)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, **options)
    return text


def json_response(content: Any, status_code: int = 200) -> Response:
    """Serialise plain data to a JSON response, without FastAPI's encoder."""
    body = _dumps(content, separators=(",", ":")).encode()
    return Response(body, status_code, media_type="application/json")


def store_error(exc: NotFound | Conflict) -> Response:
    """Answer a store refusal: 404 for a missing flow or asset, 409 for its state."""
    return json_response({"detail": exc.detail}, 404 if isinstance(exc, NotFound) else 409)


def _asset_bytes(meta: dict[str, Any], data: str | None, is_uri: bool) -> bytes:
    """Serialise an Asset; data URIs go in unescaped (their alphabet needs no escapes)."""
    if data is None or not is_uri:
        return _dumps({**meta, "data": data}).encode()
    head = _dumps(meta)[:-1]
    return b"".join((head.encode(), b',"data":"', data.encode("ascii"), b'"}'))


def _list_bytes(flow_id: str, key: str, assets: list[bytes]) -> Response:
    head = _dumps({"flow_id": flow_id})[:-1].encode()
    body = b"".join((head, b',"', key.encode(), b'":[', b",".join(assets), b"]}"))
    return Response(body, media_type="application/json")


async def _maybe_thread(size: int, function: Callable[..., T], *args: Any) -> T:
    """Run ``function`` off the loop when its input is large, so polling stays responsive."""
    if size > _HEAVY:
        return await asyncio.to_thread(function, *args)
    return function(*args)


def _value_error(loc: tuple[str | int, ...], value: Any, reason: str) -> dict[str, Any]:
    """Build an error as FastAPI reports a ``ValueError`` raised in a validator."""
    return {
        "type": "value_error",
        "loc": loc,
        "msg": f"Value error, {reason}",
        "input": value,
        "ctx": {"error": ValueError(reason)},
    }


def _check_parameters(
    template: TemplateSpec, raw: Any, errors: list[dict[str, Any]]
) -> dict[str, Any]:
    if raw is not None and not isinstance(raw, dict):
        errors.append(
            {
                "type": "dict_type",
                "loc": ("body", "parameters"),
                "msg": "Input should be a valid dictionary",
                "input": raw,
            }
        )
        return {}
    try:
        return template.validate_parameters(raw)
    except ParameterError as exc:
        errors.extend({**e, "loc": ("body", "parameters", *e["loc"])} for e in exc.errors)
        return {}


async def _parse(
    template: TemplateSpec, data: str, loc: tuple[str | int, ...], errors: list[dict[str, Any]]
) -> ParsedInput | None:
    try:
        data.encode("utf-8")
    except UnicodeEncodeError:
        # JSON's \ud800 escapes decode to lone surrogates: refused here with a 422, not
        # stored to fail every later answer that carries them with a 500.
        shown = data[:64].encode("utf-8", "backslashreplace").decode("utf-8")
        errors.append(_value_error(loc, shown, "the data is not valid Unicode (lone surrogate)"))
        return None
    try:
        return await _maybe_thread(len(data), parse_input, template, data)
    except ValueError as exc:
        errors.append(_value_error(loc, data, str(exc)))
        return None


async def _output_data(flow: Flow, output: OutputAsset) -> str | None:
    """Return the output's data URI, rendered once and kept."""
    if output.error is None and output.data is None:
        size = len(output.source.parsed.data)
        output.data = await _maybe_thread(
            size, render_output, flow.template, flow.parameters, output.source.parsed
        )
    return output.data


async def _output_bytes(flow: Flow, output: OutputAsset, include: bool) -> bytes:
    meta = asset_json(output.asset_id, output.processed, output.source.additional, output.error)
    data = await _output_data(flow, output) if include else None
    return _asset_bytes(meta, data, is_uri=True)


def _sliced_output(output: OutputAsset, data: str) -> Response:
    """Answer a large output as :func:`_asset_bytes` would, sent in slices of ``data``."""
    meta = asset_json(output.asset_id, output.processed, output.source.additional, output.error)
    head = _dumps(meta)[:-1].encode() + b',"data":"'
    tail = b'"}'

    async def pieces() -> AsyncIterator[bytes]:
        yield head
        for start in range(0, len(data), _SLICE):
            yield data[start : start + _SLICE].encode("ascii")
        yield tail

    length = str(len(head) + len(data) + len(tail))
    return StreamingResponse(
        pieces(), media_type="application/json", headers={"content-length": length}
    )


class Operations:
    """One method per operationId, over one emulator's ``core``."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.store = core.store
        templates = {"templates": [t.to_json() for t in TEMPLATES]}
        self._templates_body = json.dumps(templates, ensure_ascii=False).encode()

    @staticmethod
    def openapi() -> Response:
        return Response(openapi_bytes(), media_type="application/json")

    async def list_templates(self) -> Response:
        return Response(self._templates_body, media_type="application/json")

    async def get_template(self, template_id: str) -> Response:
        template = find_template(template_id)
        if template is None:
            raise NotFound(f"Template {template_id!r} not found")
        return json_response(template.to_json())

    async def list_flows(
        self, filter_by: StateFilter | None, sort_by: SortField, page: int
    ) -> Response:
        # Pages and their ``next`` links are our assumption: see _listing.py.
        items, more = self.store.list_page(filter_by, sort_by, page)
        body: dict[str, Any] = {"flows": items}
        if more:
            body["next"] = next_link(filter_by, sort_by, page + 1)
        return json_response(body)

    async def create_flow(self, body: FlowCreateBody, method: str, path: str) -> Response:
        template = find_template(body.template)
        if template is None:
            raise NotFound(f"Template {body.template!r} not found")
        errors: list[dict[str, Any]] = []
        parameters = _check_parameters(template, body.parameters, errors)
        inputs: list[tuple[ParsedInput, Any]] = []
        for index, item in enumerate(body.inputs or []):
            parsed = await _parse(template, item.data, ("body", "inputs", index, "data"), errors)
            if parsed is not None:
                inputs.append((parsed, item.additional))
        if errors:
            raise RequestValidationError(errors)
        plan = self.core.plan
        fault = plan.draw("create_flow", flow=True)
        flow = self.store.create(template, parameters, body.additional, inputs, fault)
        if fault is not None:
            plan.record(fault, "create_flow", method, path, flow["flow_id"])
        return json_response(flow)

    async def get_flow(self, flow_id: str) -> Response:
        return json_response(self.store.get(flow_id))

    async def update_flow(self, flow_id: str, body: FlowActionBody) -> Response:
        return json_response(self.store.act(flow_id, body.action))

    async def delete_flow(self, flow_id: str) -> Response:
        self.store.delete(flow_id)
        return json_response({"flow_id": flow_id, "deleted": True})

    async def list_inputs(self, flow_id: str, include_data: bool) -> Response:
        assets = [
            _asset_bytes(
                asset_json(a.asset_id, a.processed, a.additional),
                a.parsed.data if include_data else None,
                a.parsed.is_uri,
            )
            for a in self.store.inputs(flow_id)
        ]
        return _list_bytes(flow_id, "inputs", assets)

    async def upload_input(self, flow_id: str, body: InputBody) -> Response:
        template = self.store.template_for_upload(flow_id)
        errors: list[dict[str, Any]] = []
        parsed = await _parse(template, body.data, ("body", "data"), errors)
        if parsed is None:
            raise RequestValidationError(errors)
        asset = self.store.upload(flow_id, parsed, body.additional)
        return json_response(
            {**asset_json(asset.asset_id, asset.processed, asset.additional), "data": None}
        )

    async def get_input(self, flow_id: str, asset_id: str) -> Response:
        asset = self.store.input(flow_id, asset_id)
        meta = asset_json(asset.asset_id, asset.processed, asset.additional)
        body = _asset_bytes(meta, asset.parsed.data, asset.parsed.is_uri)
        return Response(body, media_type="application/json")

    async def list_outputs(self, flow_id: str, include_data: bool) -> Response:
        flow, outputs = self.store.outputs(flow_id)
        assets = [await _output_bytes(flow, output, include_data) for output in outputs]
        return _list_bytes(flow_id, "outputs", assets)

    async def get_output(self, flow_id: str, asset_id: str) -> Response:
        flow, output = self.store.output(flow_id, asset_id)
        data = await _output_data(flow, output)
        if data is not None and len(data) > _SLICE:
            return _sliced_output(output, data)
        body = await _output_bytes(flow, output, include=True)
        return Response(body, media_type="application/json")
