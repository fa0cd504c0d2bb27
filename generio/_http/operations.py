"""Each API operation as data: what to send, and how to read the answer into our objects.

Every operation is a plain httpx request (small JSON bodies, or a streamed
:class:`~generio._payload.body.JsonBody` for uploads) whose answer is read from plain JSON by the
tolerant reader in ``_payload/wire.py``: the generated models stay for ``client.low_level`` only,
since they refuse answers that name or shape a field otherwise. Any 2xx is a success (an
empty body included), and the single-output download also accepts a raw binary body. Every
failure becomes one of generio's errors:

* a transport failure → :class:`~generio.APIConnectionError` / :class:`~generio.APITimeoutError`;
* an error status → the class :func:`~generio._payload.error_body.error_from_response` picks;
* an answer the reader cannot use (an HTML page with a 200, truncated JSON, a flow without
  an id) → :class:`~generio.ServerError` built from the raw response, kept by a response hook.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from urllib.parse import quote

import attrs

from generio._errors import (
    InputError,
)
from generio._payload.models import Asset, Flow, Template
from generio._types import FlowAction

if TYPE_CHECKING:
    from generio._payload.body import JsonBody
    from generio._payload.wire import Page

__all__ = [
    "SORT_FIELDS",
    "Operation",
    "create_flow_op",
    "delete_flow_op",
    "get_flow_op",
    "get_input_op",
    "get_output_op",
    "get_template_op",
    "list_flows_op",
    "list_inputs_op",
    "list_outputs_op",
    "list_templates_op",
    "page_op",
    "quote_id",
    "update_flow_op",
    "upload_input_op",
]

T = TypeVar("T")
#: The fields ``GET /flows`` sorts by: the spec's ``FlowSortField``, spelled out so a plain
#: request does not load the generated client (``tests/unit/test_operations.py`` compares).
SORT_FIELDS = ("state", "status", "progress", "created_at", "started_at", "finished_at")
_OCTETS = "application/octet-stream"


@attrs.frozen
class Operation(Generic[T]):
    """One request and the reading of its answer.

    Every answer is read from plain JSON by the tolerant reader (``_payload/wire.py``), not by the
    generated models, which would refuse a field named otherwise or a missing one.

    Attributes:
        method: the HTTP method.
        path: the URL path (quoted; a followed page's link may add a query string), for the
            request, errors and logs.
        parse: turns a 2xx answer's JSON (None for an empty body) into our object.
        params: the query string's parameters.
        json: a small JSON request body.
        body: a streamed JSON request body (uploads).
        binary: reads a 2xx answer that is not JSON (its bytes and Content-Type).
        carries_data: the answer holds models (data URIs): it is bounded by
            ``max_download_bytes``, not by ``max_response_bytes`` (``_http/bounded.py``).
    """

    method: str
    path: str
    parse: Callable[[Any], T]
    params: Mapping[str, Any] = attrs.field(factory=dict)
    json: Any = None
    body: JsonBody | None = None
    binary: Callable[[bytes, str], T] | None = None
    carries_data: bool = False

    def raw_request(self, *, asynchronous: bool = False) -> dict[str, Any]:
        """Keyword arguments of ``httpx.(Async)Client.request`` for this operation."""
        request: dict[str, Any] = {"method": self.method, "url": self.path}
        if self.params:
            request["params"] = dict(self.params)
        if self.json is not None:
            request["json"] = self.json
        if self.body is not None:
            request["content"] = self.body.for_async() if asynchronous else self.body
            request["headers"] = self.body.headers
        return request


def quote_id(value: str) -> str:
    """Quote an id as a path segment.

    Raises:
        InputError: the id is not a non-empty string, or is ``.`` or ``..``: URLs drop such
            path segments (httpx does too), so the request would reach another resource.
    """
    if not isinstance(value, str) or not value:
        raise InputError(f"an id must be a non-empty str, not {value!r}.")
    if value in (".", ".."):
        raise InputError(
            f"an id cannot be '.' or '..' (got {value!r}): in a URL it would address another "
            "resource; check where the id came from."
        )
    return quote(value, safe="")


# --- reading answers: the tolerant reader (``_payload/wire.py``) loads with the first one ----


def _template(body: object) -> Template:
    from generio._payload.wire import template_from_json

    return template_from_json(body)


def _templates(body: object) -> list[Template]:
    from generio._payload.wire import items_of, template_from_json

    return [template_from_json(t) for t in items_of(body, "templates")]


def _flow(body: object) -> Flow:
    from generio._payload.wire import flow_from_json

    return flow_from_json(body)


def _flow_or_none(body: object, flow_id: str) -> Flow | None:
    from generio._payload.wire import flow_or_none

    return flow_or_none(body, flow_id)


def _flow_page(body: object) -> Page[Flow]:
    from generio._payload.wire import flow_from_json, page_of

    return page_of(body, "flows", flow_from_json)


def _asset(body: object, flow_id: str, kind: str, default_id: str | None = None) -> Asset:
    from generio._payload.wire import asset_from_json

    return asset_from_json(body, flow_id=flow_id, kind=kind, default_id=default_id)


def _assets(body: object, flow_id: str, kind: str, field: str) -> list[Asset]:
    from generio._payload.wire import asset_from_json, items_of

    return [asset_from_json(a, flow_id=flow_id, kind=kind) for a in items_of(body, field)]


# --- the operations -------------------------------------------------------------------


def list_templates_op() -> Operation[list[Template]]:
    """``GET /templates``."""
    return Operation(
        "GET",
        "/templates",
        _templates,
    )


def get_template_op(id_or_name: str) -> Operation[Template]:
    """``GET /templates/{id_or_name}``."""
    return Operation("GET", f"/templates/{quote_id(id_or_name)}", _template)


def list_flows_op(state: str | None, sort_by: str | None) -> Operation[Page[Flow]]:
    """``GET /flows``, its first page; an unknown ``state`` goes to the server, which knows.

    Raises:
        InputError: ``sort_by`` is not a field the API sorts by.
    """
    params: dict[str, Any] = {}
    if state is not None:
        params["filter_by"] = state
    if sort_by is not None:
        if sort_by not in SORT_FIELDS:
            raise InputError(f"sort_by must be one of {', '.join(SORT_FIELDS)}, not {sort_by!r}.")
        params["sort_by"] = sort_by
    return Operation("GET", "/flows", _flow_page, params=params)


def page_op(op: Operation[Page[T]], path: str) -> Operation[Page[T]]:
    """Return the same list operation for the page at ``path`` (the link's path and query)."""
    return Operation("GET", path, op.parse)


def get_flow_op(flow_id: str) -> Operation[Flow]:
    """``GET /flows/{flow_id}``."""
    return Operation("GET", f"/flows/{quote_id(flow_id)}", _flow)


def create_flow_op(body: JsonBody) -> Operation[Flow]:
    """``POST /flows`` with a streamed body."""
    return Operation("POST", "/flows", _flow, body=body)


def update_flow_op(flow_id: str, action: FlowAction) -> Operation[Flow | None]:
    """``PATCH /flows/{flow_id}`` with ``{"action": action}``; None when the answer is no flow.

    No flow: not this flow's id with a state of the docs (``wire.flow_or_none``); the job
    then reads the flow with one ``GET``.
    """
    return Operation(
        "PATCH",
        f"/flows/{quote_id(flow_id)}",
        lambda body: _flow_or_none(body, flow_id),
        json={"action": action},
    )


def delete_flow_op(flow_id: str) -> Operation[None]:
    """``DELETE /flows/{flow_id}``; any 2xx answer (204, empty, any JSON) is a success."""
    return Operation("DELETE", f"/flows/{quote_id(flow_id)}", lambda _body: None)


def _list_assets_op(flow_id: str, kind: str, include_data: bool) -> Operation[list[Asset]]:
    field = "inputs" if kind == "input" else "outputs"

    def parse(body: object) -> list[Asset]:
        return _assets(body, flow_id, kind, field)

    return Operation(
        "GET",
        f"/flows/{quote_id(flow_id)}/{field}",
        parse,
        params={"include_data": "true" if include_data else "false"},
        carries_data=include_data,
    )


def list_inputs_op(flow_id: str, include_data: bool) -> Operation[list[Asset]]:
    """``GET /flows/{flow_id}/inputs``."""
    return _list_assets_op(flow_id, "input", include_data)


def list_outputs_op(flow_id: str, include_data: bool) -> Operation[list[Asset]]:
    """``GET /flows/{flow_id}/outputs``."""
    return _list_assets_op(flow_id, "output", include_data)


def _single_asset_reader(flow_id: str, asset_id: str, kind: str) -> Callable[[Any], Asset]:
    # The docs say a single output's answer may hold only "data": the id is the one we asked.
    return lambda body: _asset(body, flow_id, kind, default_id=asset_id)


def get_input_op(flow_id: str, asset_id: str) -> Operation[Asset]:
    """``GET /flows/{flow_id}/inputs/{asset_id}`` (always with data)."""
    return Operation(
        "GET",
        f"/flows/{quote_id(flow_id)}/inputs/{quote_id(asset_id)}",
        _single_asset_reader(flow_id, asset_id, "input"),
        carries_data=True,
    )


def get_output_op(flow_id: str, asset_id: str) -> Operation[Asset]:
    """``GET /flows/{flow_id}/outputs/{asset_id}``: JSON with a data URI, or a raw body."""

    def binary(content: bytes, content_type: str) -> Asset:
        if not content_type or content_type in ("application/octet-stream", "text/plain"):
            from generio._payload.mime import detect

            content_type = detect(content[:512]) or content_type or _OCTETS
        return Asset(
            id=asset_id,
            status="ready",
            mime_type=content_type,
            flow_id=flow_id,
            kind="output",
            payload=content,
        )

    return Operation(
        "GET",
        f"/flows/{quote_id(flow_id)}/outputs/{quote_id(asset_id)}",
        _single_asset_reader(flow_id, asset_id, "output"),
        binary=binary,
        carries_data=True,
    )


def upload_input_op(flow_id: str, body: JsonBody) -> Operation[Asset]:
    """``POST /flows/{flow_id}/inputs`` with a streamed body."""
    return Operation(
        "POST",
        f"/flows/{quote_id(flow_id)}/inputs",
        lambda answer: _asset(answer, flow_id, "input"),
        body=body,
    )
