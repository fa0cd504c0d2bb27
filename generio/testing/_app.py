"""The FastAPI app: the twelve operations of ``openapi.json`` (``_handlers.py``) as routes.

Handlers are ``async`` and answer with pre-serialised JSON, so polling skips response
models and the thread pool. Request bodies are pydantic models, so malformed bodies get
FastAPI's own 422s; template-specific checks build errors of the same shape and raise them
as a ``RequestValidationError``. Well-formed requests usually never get here: the fast path
in front (``_fast.py``) serves them with the same handlers.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import FastAPI, Query, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from generio.testing._admin import admin_router
from generio.testing._handlers import (
    FlowActionBody,
    FlowCreateBody,
    InputBody,
    Operations,
    SortField,
    StateFilter,
    json_response,
    store_error,
)
from generio.testing._store import Conflict, NotFound

__all__ = ["build_app"]


def build_app(ops: Operations) -> FastAPI:
    """Build the emulator's FastAPI app over ``ops`` (auth, faults, the fast path in front)."""
    app = FastAPI(
        title="GENERIO Flows API emulator", openapi_url=None, docs_url=None, redoc_url=None
    )

    @app.exception_handler(NotFound)
    @app.exception_handler(Conflict)
    async def refused(_: Request, exc: NotFound | Conflict) -> Response:
        return store_error(exc)

    @app.exception_handler(HTTPException)
    async def undecodable_body(request: Request, exc: HTTPException) -> Response:
        # FastAPI answers 400 for a body that is not even text (invalid UTF-8); the contract
        # promises 422 for every malformed body, in the shape FastAPI uses for bad JSON.
        if exc.status_code != 400:
            return await http_exception_handler(request, exc)
        error = {
            "type": "json_invalid",
            "loc": ["body", 0],
            "msg": "JSON decode error",
            "input": {},
            "ctx": {"error": "the body is not UTF-8 text"},
        }
        return json_response({"detail": [error]}, 422)

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi() -> Response:
        return ops.openapi()

    @app.get("/templates")
    async def list_templates() -> Response:
        return await ops.list_templates()

    @app.get("/templates/{template_id}")
    async def get_template(template_id: str) -> Response:
        return await ops.get_template(template_id)

    @app.get("/flows")
    async def list_flows(
        filter_by: StateFilter | None = None,
        sort_by: SortField = "created_at",
        page: Annotated[int, Query(ge=1)] = 1,
    ) -> Response:
        return await ops.list_flows(filter_by, sort_by, page)

    @app.post("/flows")
    async def create_flow(body: FlowCreateBody, request: Request) -> Response:
        return await ops.create_flow(body, request.method, request.url.path)

    @app.get("/flows/{flow_id}")
    async def get_flow(flow_id: str) -> Response:
        return await ops.get_flow(flow_id)

    @app.patch("/flows/{flow_id}")
    async def update_flow(flow_id: str, body: FlowActionBody) -> Response:
        return await ops.update_flow(flow_id, body)

    @app.delete("/flows/{flow_id}")
    async def delete_flow(flow_id: str) -> Response:
        return await ops.delete_flow(flow_id)

    @app.get("/flows/{flow_id}/inputs")
    async def list_inputs(flow_id: str, include_data: bool = False) -> Response:
        return await ops.list_inputs(flow_id, include_data)

    @app.post("/flows/{flow_id}/inputs")
    async def upload_input(flow_id: str, body: InputBody) -> Response:
        return await ops.upload_input(flow_id, body)

    @app.get("/flows/{flow_id}/inputs/{asset_id}")
    async def get_input(flow_id: str, asset_id: str) -> Response:
        return await ops.get_input(flow_id, asset_id)

    @app.get("/flows/{flow_id}/outputs")
    async def list_outputs(flow_id: str, include_data: bool = False) -> Response:
        return await ops.list_outputs(flow_id, include_data)

    @app.get("/flows/{flow_id}/outputs/{asset_id}")
    async def get_output(flow_id: str, asset_id: str) -> Response:
        return await ops.get_output(flow_id, asset_id)

    app.include_router(admin_router(ops.core))
    return app
