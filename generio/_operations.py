"""Each API operation as data: what to send, and how to read the answer into our objects.

Most operations go through the generated client (``generio_api``); the two that upload files
send a streamed :class:`~generio._body.JsonBody` instead, and the single-output download also
accepts a raw binary body. Either way the answer is checked and parsed by the pure functions
here, and every failure becomes one of generio's errors:

* a transport failure → :class:`~generio.APIConnectionError` / :class:`~generio.APITimeoutError`;
* an error status → the class :func:`~generio._errors.error_from_response` picks;
* anything the generated parser chokes on (an HTML 502 page, truncated JSON, a status code
  Python's ``HTTPStatus`` does not know, a 422 whose ``detail`` is a string) →
  :class:`~generio.ServerError` built from the raw response, kept by a response hook.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import attrs
import httpx
from generio_api import models as api
from generio_api.api.flows import delete_flow, get_flow, list_flows, update_flow
from generio_api.api.inputs import get_input, list_inputs
from generio_api.api.outputs import list_outputs
from generio_api.api.templates import get_template, list_templates
from generio_api.types import Response

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
from generio._models import Asset, Flow, Template, asset_from_api, flow_from_api
from generio._models import template_from_api as _template
from generio._secret import Secret
from generio._transport import captured_responses

__all__ = [
    "SORT_FIELDS",
    "Operation",
    "connection_error",
    "create_flow_op",
    "delete_flow_op",
    "finish_detailed",
    "finish_raw",
    "get_flow_op",
    "get_input_op",
    "get_output_op",
    "get_template_op",
    "list_flows_op",
    "list_inputs_op",
    "list_outputs_op",
    "list_templates_op",
    "quote_id",
    "scrubbed",
    "translate",
    "update_flow_op",
    "upload_input_op",
]

T = TypeVar("T")
SORT_FIELDS = tuple(field.value for field in api.FlowSortField)
_JSON_TYPES = ("application/json", "+json")


@attrs.frozen
class Operation(Generic[T]):
    """One request and the reading of its answer.

    Attributes:
        method: the HTTP method.
        path: the URL path (quoted), for raw requests, errors and logs.
        parse: turns the generated model of a 200 answer into our object.
        endpoint: the generated module to call (``sync_detailed``/``asyncio_detailed``), or
            None for a raw request.
        args: positional arguments of the generated function.
        kwargs: keyword arguments of the generated function.
        body: a raw request's streamed JSON body.
        model: the generated model class a raw request's JSON answer is read with.
        binary: reads a raw 200 answer that is not JSON (its bytes and Content-Type).
    """

    method: str
    path: str
    parse: Callable[[Any], T]
    endpoint: Any = None
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = attrs.field(factory=dict)
    body: JsonBody | None = None
    model: Any = None
    binary: Callable[[bytes, str], T] | None = None

    def raw_request(self, *, asynchronous: bool = False) -> dict[str, Any]:
        """Keyword arguments of ``httpx.(Async)Client.request`` for a raw operation."""
        if self.body is None:
            return {"method": self.method, "url": self.path}
        return {
            "method": self.method,
            "url": self.path,
            "content": self.body.for_async() if asynchronous else self.body,
            "headers": self.body.headers,
        }


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


def finish_detailed(op: Operation[T], response: Response[Any]) -> T:
    """Our object from a generated ``*_detailed`` answer, or the error it stands for."""
    error = _status_error(op, int(response.status_code), response.content, response.headers)
    parsed = response.parsed
    # Its body may echo the key: no frame that raises keeps it (tracebacks with locals).
    del response
    if error is not None:
        raise error
    if parsed is None or isinstance(parsed, api.ErrorDetail | api.HTTPValidationError):
        raise TypeError("a success status with an error body")
    return _parsed(lambda: op.parse(parsed))


def finish_raw(op: Operation[T], response: httpx.Response) -> T:
    """Our object from a raw answer (already read), or the error it stands for."""
    error = _status_error(op, response.status_code, response.content, response.headers)
    if error is not None:
        raise error
    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if op.binary is not None and content_type and not content_type.endswith(_JSON_TYPES):
        binary = op.binary
        return _parsed(lambda: binary(response.content, content_type))
    return _parsed(lambda: op.parse(op.model.from_dict(response.json())))


# --- the operations -------------------------------------------------------------------


def list_templates_op() -> Operation[list[Template]]:
    """``GET /templates``."""
    return Operation(
        "GET", "/templates", lambda m: [_template(t) for t in m.templates], list_templates
    )


def get_template_op(id_or_name: str) -> Operation[Template]:
    """``GET /templates/{id_or_name}``."""
    return Operation(
        "GET", f"/templates/{quote_id(id_or_name)}", _template, get_template, args=(id_or_name,)
    )


def list_flows_op(state: str | None, sort_by: str | None) -> Operation[list[Flow]]:
    """``GET /flows``; an unknown ``state`` goes to the server, which knows the valid ones.

    Raises:
        InputError: ``sort_by`` is not a field the API sorts by.
    """
    kwargs: dict[str, Any] = {}
    if state is not None:
        kwargs["filter_by"] = state
    if sort_by is not None:
        if sort_by not in SORT_FIELDS:
            raise InputError(f"sort_by must be one of {', '.join(SORT_FIELDS)}, not {sort_by!r}.")
        kwargs["sort_by"] = api.FlowSortField(sort_by)
    return Operation(
        "GET", "/flows", lambda m: [flow_from_api(f) for f in m.flows], list_flows, kwargs=kwargs
    )


def get_flow_op(flow_id: str) -> Operation[Flow]:
    """``GET /flows/{flow_id}``."""
    return Operation("GET", f"/flows/{quote_id(flow_id)}", flow_from_api, get_flow, args=(flow_id,))


def create_flow_op(body: JsonBody) -> Operation[Flow]:
    """``POST /flows`` with a streamed body."""
    return Operation("POST", "/flows", flow_from_api, body=body, model=api.Flow)


def update_flow_op(flow_id: str, action: str) -> Operation[Flow]:
    """``PATCH /flows/{flow_id}`` with ``{"action": action}``."""
    return Operation(
        "PATCH",
        f"/flows/{quote_id(flow_id)}",
        flow_from_api,
        update_flow,
        args=(flow_id,),
        kwargs={"body": api.FlowAction(action=api.Action(action))},
    )


def delete_flow_op(flow_id: str) -> Operation[None]:
    """``DELETE /flows/{flow_id}``."""
    return Operation(
        "DELETE", f"/flows/{quote_id(flow_id)}", lambda _m: None, delete_flow, args=(flow_id,)
    )


def _list_assets_op(flow_id: str, kind: str, include_data: bool) -> Operation[list[Asset]]:
    endpoint, field = (list_inputs, "inputs") if kind == "input" else (list_outputs, "outputs")

    def parse(m: Any) -> list[Asset]:
        return [asset_from_api(a, flow_id=flow_id, kind=kind) for a in getattr(m, field)]

    return Operation(
        "GET",
        f"/flows/{quote_id(flow_id)}/{field}",
        parse,
        endpoint,
        args=(flow_id,),
        kwargs={"include_data": bool(include_data)},
    )


def list_inputs_op(flow_id: str, include_data: bool) -> Operation[list[Asset]]:
    """``GET /flows/{flow_id}/inputs``."""
    return _list_assets_op(flow_id, "input", include_data)


def list_outputs_op(flow_id: str, include_data: bool) -> Operation[list[Asset]]:
    """``GET /flows/{flow_id}/outputs``."""
    return _list_assets_op(flow_id, "output", include_data)


def _one(flow_id: str, asset_id: str, kind: str) -> Callable[[Any], Asset]:
    # The docs say a single output's answer may hold only "data": the id is the one we asked.
    return lambda m: asset_from_api(m, flow_id=flow_id, kind=kind, default_id=asset_id)


def get_input_op(flow_id: str, asset_id: str) -> Operation[Asset]:
    """``GET /flows/{flow_id}/inputs/{asset_id}`` (always with data)."""
    return Operation(
        "GET",
        f"/flows/{quote_id(flow_id)}/inputs/{quote_id(asset_id)}",
        _one(flow_id, asset_id, "input"),
        get_input,
        args=(flow_id, asset_id),
    )


def get_output_op(flow_id: str, asset_id: str) -> Operation[Asset]:
    """``GET /flows/{flow_id}/outputs/{asset_id}``: JSON with a data URI, or a raw body."""

    def binary(content: bytes, content_type: str) -> Asset:
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
        model=api.Asset,
        binary=binary,
    )


def upload_input_op(flow_id: str, body: JsonBody) -> Operation[Asset]:
    """``POST /flows/{flow_id}/inputs`` with a streamed body."""
    return Operation(
        "POST",
        f"/flows/{quote_id(flow_id)}/inputs",
        lambda m: asset_from_api(m, flow_id=flow_id, kind="input"),
        body=body,
        model=api.Asset,
    )
