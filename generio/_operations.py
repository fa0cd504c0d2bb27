"""Each API operation as data: what to send, and how to read the answer into our objects.

Every operation is a plain httpx request (small JSON bodies, or a streamed
:class:`~generio._body.JsonBody` for uploads) whose answer is read from plain JSON by the
tolerant reader in ``_wire.py``: the generated models stay for ``client.low_level`` only,
since they refuse answers that name or shape a field otherwise. Any 2xx is a success (an
empty body included), and the single-output download also accepts a raw binary body. Every
failure becomes one of generio's errors:

* a transport failure → :class:`~generio.APIConnectionError` / :class:`~generio.APITimeoutError`;
* an error status → the class :func:`~generio._errors.error_from_response` picks;
* an answer the reader cannot use (an HTML page with a 200, truncated JSON, a flow without
  an id) → :class:`~generio.ServerError` built from the raw response, kept by a response hook.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import attrs
import httpx
from generio_api import models as api

from generio import _mime
from generio._body import JsonBody
from generio._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    GenerioError,
    InputError,
    error_from_response,
    hide_secrets,
    hiding,
)
from generio._models import Asset, Flow, Template
from generio._secret import Secret
from generio._transport import captured_responses
from generio._types import FlowAction
from generio._wire import (
    Page,
    asset_from_json,
    flow_from_json,
    flow_or_none,
    items_of,
    page_of,
    template_from_json,
)

__all__ = [
    "SORT_FIELDS",
    "Operation",
    "connection_error",
    "create_flow_op",
    "delete_flow_op",
    "finish_raw",
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
    "scrubbed",
    "translate",
    "update_flow_op",
    "upload_input_op",
]

T = TypeVar("T")
SORT_FIELDS = tuple(field.value for field in api.FlowSortField)
_JSON_TYPES = ("application/json", "+json")
_OCTETS = "application/octet-stream"


@attrs.frozen
class Operation(Generic[T]):
    """One request and the reading of its answer.

    Every answer is read from plain JSON by the tolerant reader (``_wire.py``), not by the
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
    """

    method: str
    path: str
    parse: Callable[[Any], T]
    params: Mapping[str, Any] = attrs.field(factory=dict)
    json: Any = None
    body: JsonBody | None = None
    binary: Callable[[bytes, str], T] | None = None

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


def _unparseable(op: Operation[Any], response: httpx.Response) -> APIStatusError:
    return error_from_response(
        op.method,
        op.path,
        response.status_code,
        response.content,
        response.headers,
        unparseable=True,
    )


def _was_read(response: httpx.Response) -> bool:
    """Whether the answer's body was read (parsing happens only after that)."""
    try:
        _ = response.content
    except httpx.ResponseNotRead:
        return False
    return True


def connection_error(op: Operation[Any], exc: Exception) -> APIConnectionError:
    """Our error for a transport failure (no usable response)."""
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(
            f"{op.method} {op.path} timed out ({type(exc).__name__}). What to do: retry later, "
            "or give the client a longer timeout=.",
            method=op.method,
            path=op.path,
        )
    return APIConnectionError(
        f"{op.method} {op.path} failed without a response "
        f"({type(exc).__name__}: {hide_secrets(str(exc))}). "
        "What to do: check the network and the base URL, then retry.",
        method=op.method,
        path=op.path,
    )


#: What reading a hostile answer can raise, besides parsing's ValueError: KeyError and
#: IndexError (LookupError), TypeError, AttributeError, OverflowError (ArithmeticError:
#: a number too large for a float) and RecursionError (JSON nested thousands deep).
_UNREADABLE = (ValueError, LookupError, TypeError, AttributeError, ArithmeticError, RecursionError)


def scrubbed(exc: BaseException) -> BaseException:
    """Drop the tracebacks of a foreign exception and what it chains, and hide secrets.

    httpx's and httpcore's frames hold the request's headers (the key) and the raw answer
    (which may echo it) in their locals, which a traceback formatted with locals would
    show. The exception's type and message stay as the cause of generio's error.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        current.__traceback__ = None
        current.args = tuple(hide_secrets(a) if isinstance(a, str) else a for a in current.args)
        current = current.__cause__ or current.__context__
    return exc


@contextlib.contextmanager
def translate(op: Operation[Any], secret: Secret | None = None) -> Iterator[None]:
    """Turn what escapes one request of ``op`` into generio's errors.

    Args:
        op: the operation the request belongs to.
        secret: the API key, hidden from errors built from what the service sent.

    Raises:
        APIConnectionError: the transport failed (``APITimeoutError`` for a timeout).
        ServerError: the answer could not be parsed.
    """
    with captured_responses() as seen, hiding(secret):
        try:
            yield
        except GenerioError:
            raise
        except httpx.RequestError as exc:
            raise connection_error(op, exc) from scrubbed(exc)
        except httpx.StreamError as exc:
            raise connection_error(op, exc) from scrubbed(exc)
        except _UNREADABLE as exc:
            if not seen or not _was_read(seen[-1]):
                raise  # not a failure to parse an answer: a bug that must stay visible
            raise _unparseable(op, seen[-1]) from scrubbed(exc)


def _status_error(
    op: Operation[Any], status: int, content: bytes, headers: Any
) -> APIStatusError | None:
    if 200 <= status < 300:
        return None
    return error_from_response(op.method, op.path, status, content, headers)


def _parsed(read: Callable[[], T]) -> T:
    """Run a parse; a malformed data URI, id or MIME type *in an answer* is the service's.

    ``InputError`` means the caller's mistake, so it becomes the ``ValueError`` of an
    unreadable answer, which :func:`translate` turns into a ``ServerError``.
    """
    try:
        return read()
    except InputError as exc:
        raise ValueError(f"the answer holds bad data: {exc}") from None


def finish_raw(op: Operation[T], response: httpx.Response) -> T:
    """Our object from an answer (already read), or the error it stands for.

    Any 2xx is a success: an empty body reaches ``parse`` as None, so an operation whose
    answer carries nothing we need (DELETE answering 204) succeeds.
    """
    error = _status_error(op, response.status_code, response.content, response.headers)
    if error is not None:
        raise error
    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    binary = op.binary
    if binary is not None and content_type and not content_type.endswith(_JSON_TYPES):
        return _parsed(lambda: binary(response.content, content_type))
    if not response.content.strip():
        return _parsed(lambda: op.parse(None))
    if (
        binary is not None
        and not content_type
        and response.content.lstrip()[:1] not in (b"{", b"[")
    ):
        # No Content-Type, and no JSON either.
        return _parsed(lambda: binary(response.content, content_type))
    return _parsed(lambda: op.parse(response.json()))


# --- the operations -------------------------------------------------------------------


def list_templates_op() -> Operation[list[Template]]:
    """``GET /templates``."""
    return Operation(
        "GET",
        "/templates",
        lambda body: [template_from_json(t) for t in items_of(body, "templates")],
    )


def get_template_op(id_or_name: str) -> Operation[Template]:
    """``GET /templates/{id_or_name}``."""
    return Operation("GET", f"/templates/{quote_id(id_or_name)}", template_from_json)


def _flow_page(body: object) -> Page[Flow]:
    return page_of(body, "flows", flow_from_json)


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
    return Operation("GET", f"/flows/{quote_id(flow_id)}", flow_from_json)


def create_flow_op(body: JsonBody) -> Operation[Flow]:
    """``POST /flows`` with a streamed body."""
    return Operation("POST", "/flows", flow_from_json, body=body)


def update_flow_op(flow_id: str, action: FlowAction) -> Operation[Flow | None]:
    """``PATCH /flows/{flow_id}`` with ``{"action": action}``; None when the answer is no flow."""
    return Operation("PATCH", f"/flows/{quote_id(flow_id)}", flow_or_none, json={"action": action})


def delete_flow_op(flow_id: str) -> Operation[None]:
    """``DELETE /flows/{flow_id}``; any 2xx answer (204, empty, any JSON) is a success."""
    return Operation("DELETE", f"/flows/{quote_id(flow_id)}", lambda _body: None)


def _list_assets_op(flow_id: str, kind: str, include_data: bool) -> Operation[list[Asset]]:
    field = "inputs" if kind == "input" else "outputs"

    def parse(body: object) -> list[Asset]:
        return [asset_from_json(a, flow_id=flow_id, kind=kind) for a in items_of(body, field)]

    return Operation(
        "GET",
        f"/flows/{quote_id(flow_id)}/{field}",
        parse,
        params={"include_data": "true" if include_data else "false"},
    )


def list_inputs_op(flow_id: str, include_data: bool) -> Operation[list[Asset]]:
    """``GET /flows/{flow_id}/inputs``."""
    return _list_assets_op(flow_id, "input", include_data)


def list_outputs_op(flow_id: str, include_data: bool) -> Operation[list[Asset]]:
    """``GET /flows/{flow_id}/outputs``."""
    return _list_assets_op(flow_id, "output", include_data)


def _one(flow_id: str, asset_id: str, kind: str) -> Callable[[Any], Asset]:
    # The docs say a single output's answer may hold only "data": the id is the one we asked.
    return lambda body: asset_from_json(body, flow_id=flow_id, kind=kind, default_id=asset_id)


def get_input_op(flow_id: str, asset_id: str) -> Operation[Asset]:
    """``GET /flows/{flow_id}/inputs/{asset_id}`` (always with data)."""
    return Operation(
        "GET",
        f"/flows/{quote_id(flow_id)}/inputs/{quote_id(asset_id)}",
        _one(flow_id, asset_id, "input"),
    )


def get_output_op(flow_id: str, asset_id: str) -> Operation[Asset]:
    """``GET /flows/{flow_id}/outputs/{asset_id}``: JSON with a data URI, or a raw body."""

    def binary(content: bytes, content_type: str) -> Asset:
        if not content_type or content_type in ("application/octet-stream", "text/plain"):
            content_type = _mime.detect(content[:512]) or content_type or _OCTETS
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
        _one(flow_id, asset_id, "output"),
        binary=binary,
    )


def upload_input_op(flow_id: str, body: JsonBody) -> Operation[Asset]:
    """``POST /flows/{flow_id}/inputs`` with a streamed body."""
    return Operation(
        "POST",
        f"/flows/{quote_id(flow_id)}/inputs",
        lambda answer: asset_from_json(answer, flow_id=flow_id, kind="input"),
        body=body,
    )
