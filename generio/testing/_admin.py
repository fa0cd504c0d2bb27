"""The control plane under ``/_emulator/``: ledger, faults, reset, flow duration.

Not part of ``openapi.json``. It exists so an emulator in a child process offers the same
Python API as one in a thread; it needs the same API key and never gets faults.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Body
from fastapi.responses import Response

from generio.testing._core import Core
from generio.testing._faults import Fault
from generio.testing._listing import Listing

__all__ = ["admin_router"]


def _json(content: Any, status_code: int = 200) -> Response:
    return Response(json.dumps(content).encode(), status_code, media_type="application/json")


def admin_router(core: Core) -> APIRouter:
    """Routes that read and steer ``core``."""
    router = APIRouter(prefix="/_emulator", include_in_schema=False)

    @router.get("/ledger")
    async def ledger() -> Response:
        return _json({"ledger": [entry.to_json() for entry in core.store.ledger()]})

    @router.get("/faults")
    async def faults() -> Response:
        return _json(
            {
                "faults": [fault.to_json() for fault in core.plan.faults()],
                "log": [record.to_json() for record in core.plan.log()],
            }
        )

    @router.post("/faults")
    async def add_fault(body: dict[str, Any] = Body()) -> Response:  # noqa: B008 - FastAPI idiom
        try:
            fault = Fault.from_json(body)
        except (TypeError, ValueError) as exc:
            return _json({"detail": str(exc)}, 422)
        core.plan.add(fault)
        return _json({"fault": fault.to_json()})

    @router.delete("/faults")
    async def clear_faults() -> Response:
        core.plan.clear()
        return _json({"cleared": True})

    @router.post("/reset")
    async def reset() -> Response:
        core.reset()
        return _json({"reset": True})

    @router.get("/config")
    async def get_config() -> Response:
        return _json({"flow_seconds": core.store.flow_seconds})

    @router.put("/config")
    async def put_config(body: dict[str, Any] = Body()) -> Response:  # noqa: B008 - FastAPI idiom
        seconds = body.get("flow_seconds")
        if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds < 0:
            return _json({"detail": "flow_seconds must be a number >= 0"}, 422)
        core.store.flow_seconds = float(seconds)
        return _json({"flow_seconds": core.store.flow_seconds})

    @router.get("/requests")
    async def requests() -> Response:
        return _json({"requests": dict(core.requests)})

    @router.get("/listing")
    async def get_listing() -> Response:
        return _json(core.store.listing.to_json())

    @router.put("/listing")
    async def put_listing(body: dict[str, Any] = Body()) -> Response:  # noqa: B008 - FastAPI idiom
        try:
            core.store.listing = Listing(**body)
        except (TypeError, ValueError) as exc:
            return _json({"detail": str(exc)}, 422)
        return _json(core.store.listing.to_json())

    @router.post("/prefill")
    async def prefill(body: dict[str, Any] = Body()) -> Response:  # noqa: B008 - FastAPI idiom
        try:
            keys = core.store.prefill(
                int(body["count"]),
                int(body.get("keyed", 0)),
                float(body.get("span", 0.0)),
                tuple(body.get("templates") or ()),
            )
        except (KeyError, TypeError, ValueError) as exc:
            return _json({"detail": str(exc)}, 422)
        return _json({"keys": keys})

    return router
