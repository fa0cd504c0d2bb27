"""The fast path: well-formed API requests served straight by the handlers, without FastAPI.

FastAPI's routing, dependency solving and exception middleware cost most of the
emulator's CPU per request (about two thirds of a poll). A request the fast path is sure
about (known operation, query values it can read exactly, a JSON object body that
validates) goes straight to the same handlers the FastAPI routes call, and gets the same
bytes back. Anything else (a bad query value, a repeated parameter, a body that does not
parse or validate, another content type) goes to FastAPI untouched, the body replayed, so
every 404, 405 and 422 keeps FastAPI's own wording.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, get_args
from urllib.parse import parse_qsl

from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from generio.testing._handlers import (
    FlowActionBody,
    FlowCreateBody,
    InputBody,
    Operations,
    SortField,
    StateFilter,
    store_error,
)
from generio.testing._store import Conflict, NotFound

__all__ = ["FastPath"]

_STATES = frozenset(get_args(StateFilter))
_SORTS = frozenset(get_args(SortField))
_PAGE = re.compile(r"[1-9][0-9]{0,17}")
_BOOLS = {"true": True, "false": False}
_JSON = b"application/json"


class _NotSure(Exception):
    """The request is one FastAPI must answer (its own error wording, or a rare form)."""


def _query(scope: Scope, names: tuple[str, ...]) -> dict[str, str]:
    """Read ``names`` from the query as Starlette does; a repeated one is unsure."""
    raw = scope["query_string"]
    if not raw:
        return {}
    found: dict[str, str] = {}
    for key, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True):
        if key in names:
            if key in found:
                raise _NotSure
            found[key] = value
    return found


def _include_data(scope: Scope) -> bool:
    value = _query(scope, ("include_data",)).get("include_data")
    if value is None:
        return False
    if value not in _BOOLS:
        raise _NotSure
    return _BOOLS[value]


def _listing_query(scope: Scope) -> tuple[Any, Any, int]:
    query = _query(scope, ("filter_by", "sort_by", "page"))
    filter_by = query.get("filter_by")
    sort_by = query.get("sort_by", "created_at")
    page = query.get("page", "1")
    if (filter_by is not None and filter_by not in _STATES) or sort_by not in _SORTS:
        raise _NotSure
    if not _PAGE.fullmatch(page):
        raise _NotSure
    return filter_by, sort_by, int(page)


class FastPath:
    """Serves API operations through ``ops``, handing anything unsure to FastAPI.

    The FastAPI app is built on first need (its routes cost 30 ms of CPU to build, most of
    an emulator's start, and many emulators only ever see well-formed requests).

    Args:
        build: Builds the FastAPI app over ``ops``, for every request not taken here.
        ops: The handlers both share.
    """

    def __init__(self, build: Callable[[Operations], ASGIApp], ops: Operations) -> None:
        self._build = build
        self._app: ASGIApp | None = None
        self.ops = ops

    @property
    def app(self) -> ASGIApp:
        """The FastAPI app, built now if it was not yet."""
        if self._app is None:
            self._app = self._build(self.ops)
        return self._app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Anything that is not one of the spec's operations: FastAPI's."""
        await self.app(scope, receive, send)

    async def serve(self, operation: str, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve ``operation`` (the spec's operationId of this request)."""
        seen: list[Message] = []
        try:
            answer = self._answer(operation, scope, receive, seen)
            response = await answer
        except _NotSure:
            await self.app(scope, _replay(seen, receive), send)
            return
        except (NotFound, Conflict) as exc:
            response = store_error(exc)
        except RequestValidationError as exc:
            response = await request_validation_exception_handler(Request(scope), exc)
        except Exception:
            # As FastAPI's outermost middleware does: a plain 500, then the error goes on.
            await PlainTextResponse("Internal Server Error", 500)(scope, receive, send)
            raise
        await response(scope, receive, send)

    def _answer(
        self, operation: str, scope: Scope, receive: Receive, seen: list[Message]
    ) -> Awaitable[Response]:
        ops, parts = self.ops, scope["path"].split("/")
        if operation == "get_flow":
            return ops.get_flow(parts[2])
        if operation == "list_flows":
            return ops.list_flows(*_listing_query(scope))
        if operation == "create_flow":
            return self._with_body(FlowCreateBody, scope, receive, seen, self._create)
        if operation == "get_output":
            return ops.get_output(parts[2], parts[4])
        if operation == "list_outputs":
            return ops.list_outputs(parts[2], _include_data(scope))
        if operation == "update_flow":
            return self._with_body(FlowActionBody, scope, receive, seen, self._update)
        if operation == "delete_flow":
            return ops.delete_flow(parts[2])
        if operation == "list_inputs":
            return ops.list_inputs(parts[2], _include_data(scope))
        if operation == "upload_input":
            return self._with_body(InputBody, scope, receive, seen, self._upload)
        if operation == "get_input":
            return ops.get_input(parts[2], parts[4])
        if operation == "get_template":
            return ops.get_template(parts[2])
        if operation == "list_templates":
            return ops.list_templates()
        raise _NotSure

    async def _create(self, scope: Scope, body: Any) -> Response:
        return await self.ops.create_flow(body, scope["method"], scope["path"])

    async def _update(self, scope: Scope, body: Any) -> Response:
        return await self.ops.update_flow(scope["path"].split("/")[2], body)

    async def _upload(self, scope: Scope, body: Any) -> Response:
        return await self.ops.upload_input(scope["path"].split("/")[2], body)

    async def _with_body(
        self,
        model: type[BaseModel],
        scope: Scope,
        receive: Receive,
        seen: list[Message],
        handler: Callable[[Scope, Any], Awaitable[Response]],
    ) -> Response:
        """Read and validate a JSON body as FastAPI would; unsure unless it is a valid one."""
        content_type = next((v for k, v in scope["headers"] if k == b"content-type"), None)
        if content_type is None or content_type.lower() != _JSON:
            raise _NotSure
        chunks: list[bytes] = []
        while True:
            message = await receive()
            seen.append(message)
            if message["type"] != "http.request":
                raise _NotSure
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        raw = b"".join(chunks)
        if not raw:
            raise _NotSure
        try:
            value = json.loads(raw)
            if not isinstance(value, dict):
                raise _NotSure
            body = model.model_validate(value)
        except (ValueError, ValidationError, RecursionError):  # JSON, Unicode, validation
            raise _NotSure from None
        return await handler(scope, body)


def _replay(seen: list[Message], receive: Receive) -> Receive:
    """``receive`` that gives back the messages already read first."""
    pending = deque(seen)

    async def replay() -> Message:
        if pending:
            return pending.popleft()
        return await receive()

    return replay
