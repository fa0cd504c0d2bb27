"""Each API operation as data, built by the generated client's code for that operation.

Method, path, query names and body keys come from ``generio_api``'s own builders, so
regenerating after an API change reaches every call with no edit here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import attrs
import httpx

from generio._errors import InputError
from generio._http.binding import deferred, request_of, said
from generio._payload.body import JsonBody, Placeholders
from generio._payload.local import Prepared
from generio._payload.mime import detect
from generio._payload.models import Asset, Flow, Template
from generio._payload.wire import (
    Page,
    asset_from_json,
    flow_from_json,
    flow_or_none,
    items_of,
    page_of,
    template_from_json,
)
from generio._types import FlowAction as Act

if TYPE_CHECKING:  # mypy checks every call below against the generated signatures
    from generio_api import models, types
    from generio_api.api.flows import create_flow, delete_flow, get_flow, list_flows, update_flow
    from generio_api.api.inputs import get_input, list_inputs, upload_input
    from generio_api.api.outputs import get_output, list_outputs
    from generio_api.api.templates import get_template, list_templates
else:  # loaded with the first request (``binding.deferred``)
    models, types = deferred("generio_api.models"), deferred("generio_api.types")
    create_flow = deferred("generio_api.api.flows.create_flow")
    delete_flow = deferred("generio_api.api.flows.delete_flow")
    get_flow = deferred("generio_api.api.flows.get_flow")
    list_flows = deferred("generio_api.api.flows.list_flows")
    update_flow = deferred("generio_api.api.flows.update_flow")
    get_input = deferred("generio_api.api.inputs.get_input")
    list_inputs = deferred("generio_api.api.inputs.list_inputs")
    upload_input = deferred("generio_api.api.inputs.upload_input")
    get_output = deferred("generio_api.api.outputs.get_output")
    list_outputs = deferred("generio_api.api.outputs.list_outputs")
    get_template = deferred("generio_api.api.templates.get_template")
    list_templates = deferred("generio_api.api.templates.list_templates")


T = TypeVar("T")
_OCTETS = "application/octet-stream"


@attrs.frozen
class Operation(Generic[T]):
    """One request, as the generated client builds it, and the reading of its answer."""

    method: str
    path: str
    parse: Callable[[Any], T]
    params: Mapping[str, Any] = attrs.field(factory=dict)
    json: Any = None
    body: JsonBody | None = None
    headers: Mapping[str, str] = attrs.field(factory=dict)
    binary: Callable[[bytes, str], T] | None = None
    carries_data: bool = False

    @property
    def target(self) -> str:
        """The path with its query string: where a listing's first page is."""
        return f"{self.path}?{httpx.QueryParams(self.params)}" if self.params else self.path

    def raw_request(self, *, asynchronous: bool = False, base: str | None = None) -> dict[str, Any]:
        """Keyword arguments of ``httpx.(Async)Client.request`` for this operation.

        With ``base`` (``_drivers.answers.Prefix``) a plain ``/...`` path is joined here as httpx
        would join it, so httpx parses the URL once per request instead of twice.
        """
        url = path = self.path
        if base is not None and path[:1] == "/" and path[1:2] != "/":
            url = base + path
        request: dict[str, Any] = {"method": self.method, "url": url}
        if self.params:
            request["params"] = dict(self.params)
        if self.json is not None:
            request["json"] = self.json
        headers = dict(self.headers)
        if self.body is not None:
            request["content"] = self.body.for_async() if asynchronous else self.body
            headers.update(self.body.headers)
        if headers:
            request["headers"] = headers
        return request


def check_id(value: str) -> str:
    """Return an id that can stand as a path segment (the generated code quotes it)."""
    if not isinstance(value, str) or not value:
        raise InputError(f"an id must be a non-empty str, not {value!r}.")
    if value in (".", ".."):
        raise InputError(
            f"an id cannot be '.' or '..' (got {value!r}): in a URL it would address another "
            "resource; check where the id came from."
        )
    return value


def _operation(
    request: Mapping[str, Any],
    parse: Callable[[Any], T],
    *,
    body: JsonBody | None = None,
    binary: Callable[[bytes, str], T] | None = None,
    carries_data: bool = False,
) -> Operation[T]:
    """Our operation from what the generated code built; a streamed ``body`` replaces its JSON."""
    return Operation(
        method=str(request["method"]).upper(),
        path=str(request["url"]),
        parse=parse,
        params=request.get("params") or {},
        json=None if body is not None else request.get("json"),
        body=body,
        headers=request.get("headers") or {},
        binary=binary,
        carries_data=carries_data,
    )


def list_templates_op() -> Operation[list[Template]]:
    return _operation(
        list_templates._get_kwargs(),
        lambda body: [template_from_json(t) for t in items_of(body, "templates")],
    )


def get_template_op(id_or_name: str) -> Operation[Template]:
    return _operation(get_template._get_kwargs(check_id(id_or_name)), template_from_json)


def list_flows_op(
    state: str | None, sort_by: str | None, query: Mapping[str, Any] | None = None
) -> Operation[Page[Flow]]:
    """List the account's flows, its first page; an unknown ``state`` goes to the server."""
    request = request_of(list_flows, query=query, filter_by=state, sort_by=sort_by)
    return _operation(request, lambda body: page_of(body, "flows", flow_from_json))


def page_op(op: Operation[Page[T]], path: str) -> Operation[Page[T]]:
    """Return the same list operation for the page at ``path`` (the link's path and query)."""
    return attrs.evolve(op, path=path, params={})


def get_flow_op(flow_id: str) -> Operation[Flow]:
    return _operation(get_flow._get_kwargs(check_id(flow_id)), flow_from_json)


def create_flow_op(
    template: str, parameters: Mapping[str, Any] | None, additional: Any, inputs: Sequence[Prepared]
) -> Operation[Flow]:
    """Create a flow; its inputs' data are streamed. Fields left as None are not sent."""
    placeholders = Placeholders()
    model = models.FlowCreate(
        template=template,
        parameters=types.UNSET if parameters is None else dict(parameters),
        additional=types.UNSET if additional is None else additional,
        inputs=[_input(placeholders, item) for item in inputs] if inputs else types.UNSET,
    )
    request = create_flow._get_kwargs(body=model)
    return _operation(request, flow_from_json, body=placeholders.body(request["json"]))


def _input(placeholders: Placeholders, item: Prepared) -> models.Input:
    additional = types.UNSET if item.additional is None else item.additional
    return models.Input(data=placeholders.add(item), additional=additional)


def update_flow_op(flow_id: str, action: Act) -> Operation[Flow | None]:
    """Start or abort a flow; None when the answer is not the flow."""
    request = update_flow._get_kwargs(
        check_id(flow_id), body=models.FlowAction(action=models.Action(action))
    )
    return _operation(request, lambda body: flow_or_none(body, flow_id))


def delete_flow_op(flow_id: str) -> Operation[None]:
    """Delete a flow; any 2xx answer (204, empty, any JSON) is a success."""
    return _operation(delete_flow._get_kwargs(check_id(flow_id)), lambda _body: None)


def _assets_op(
    module: ModuleType, kind: str, flow_id: str, include_data: bool
) -> Operation[list[Asset]]:
    """List a flow's inputs or outputs (``kind``), with their content when ``include_data``."""
    request = request_of(module, check_id(flow_id), include_data=include_data)
    where = said(request)

    def parse(body: object) -> list[Asset]:
        return [
            asset_from_json(a, flow_id=flow_id, kind=kind, source=where)
            for a in items_of(body, f"{kind}s")
        ]

    return _operation(request, parse, carries_data=include_data)


def list_inputs_op(flow_id: str, include_data: bool) -> Operation[list[Asset]]:
    return _assets_op(list_inputs, "input", flow_id, include_data)


def list_outputs_op(flow_id: str, include_data: bool) -> Operation[list[Asset]]:
    return _assets_op(list_outputs, "output", flow_id, include_data)


def _asset_op(
    request: Mapping[str, Any], kind: str, flow_id: str, asset_id: str
) -> Operation[Asset]:
    """Read one input or output with its content: JSON with a data URI, or (an output) raw."""
    where = said(request)

    def binary(content: bytes, content_type: str) -> Asset:
        if not content_type or content_type in (_OCTETS, "text/plain"):
            content_type = detect(content[:512]) or content_type or _OCTETS
        return Asset(
            id=asset_id,
            status="ready",
            mime_type=content_type,
            flow_id=flow_id,
            kind=kind,
            payload=content,
            source=where,
        )

    # The docs say a single asset's answer may hold only "data": the id is the one asked.
    return _operation(
        request,
        lambda body: asset_from_json(
            body, flow_id=flow_id, kind=kind, default_id=asset_id, source=where
        ),
        binary=binary if kind == "output" else None,
        carries_data=True,
    )


def get_input_op(flow_id: str, asset_id: str) -> Operation[Asset]:
    request = get_input._get_kwargs(check_id(flow_id), check_id(asset_id))
    return _asset_op(request, "input", flow_id, asset_id)


def get_output_op(flow_id: str, asset_id: str) -> Operation[Asset]:
    request = get_output._get_kwargs(check_id(flow_id), check_id(asset_id))
    return _asset_op(request, "output", flow_id, asset_id)


def upload_input_op(flow_id: str, item: Prepared) -> Operation[Asset]:
    """Add one input to a flow; its data is streamed."""
    placeholders = Placeholders()
    request = upload_input._get_kwargs(check_id(flow_id), body=_input(placeholders, item))
    return _operation(
        request,
        lambda answer: asset_from_json(answer, flow_id=flow_id, kind="input"),
        body=placeholders.body(request["json"]),
    )
