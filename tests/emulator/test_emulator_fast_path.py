"""The fast path answers byte for byte as FastAPI does, and hands FastAPI what it is unsure of."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from generio.testing import Emulator
from generio.testing._app import build_app
from generio.testing._core import Core
from generio.testing._fast import FastPath
from generio.testing._handlers import Operations
from generio.testing._routing import operation_for

Answer = tuple[int, list[tuple[bytes, bytes]], bytes]
AsgiCall = Callable[[dict[str, Any], Any, Any], Awaitable[None]]
UNKNOWN = "0123456789abcdef01234567"
PROMPT = {"template": "model_generate_fromprompt", "inputs": [{"data": "a chair"}]}


async def _call(app: AsgiCall, method: str, target: str, body: bytes | None, kind: bytes) -> Answer:
    path, _, query = target.partition("?")
    headers = [(b"host", b"emu")] + ([] if body is None else [(b"content-type", kind)])
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }
    pending = [{"type": "http.request", "body": body or b"", "more_body": False}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if pending:
            return pending.pop()
        await asyncio.Event().wait()  # the client stays connected
        raise AssertionError

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent[0]["status"], sent[0]["headers"], b"".join(m.get("body", b"") for m in sent[1:])


def _both(
    fast: FastPath, method: str, target: str, body: Any = None, kind: bytes = b"application/json"
) -> tuple[Answer, Answer]:
    """One request through the fast path, and the same through FastAPI alone."""
    raw = None if body is None else body if isinstance(body, bytes) else json.dumps(body).encode()
    operation = operation_for(method, target.partition("?")[0])
    assert operation is not None

    async def through_fast(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await fast.serve(operation, scope, receive, send)

    return (
        asyncio.run(_call(through_fast, method, target, raw, kind)),
        asyncio.run(_call(fast.app, method, target, raw, kind)),
    )


@pytest.fixture
def fast() -> FastPath:
    """Build a fast path over a store holding 130 flows of an account's past."""
    core = Core("key", 0.0, None, ())
    core.store.prefill(130, 3, 3600.0, ("model_generate_fromprompt", "model_optimize"))
    return FastPath(build_app, Operations(core))


def _flows(fast: FastPath) -> tuple[str, str, str, str]:
    """Create a flow without inputs and a completed one; return their ids and assets."""
    created = asyncio.run(fast.ops.create_flow(_body({"template": "model_optimize"}), "", ""))
    done = asyncio.run(fast.ops.create_flow(_body(PROMPT), "", ""))
    created_id = json.loads(bytes(created.body))["flow_id"]
    done_id = json.loads(bytes(done.body))["flow_id"]
    (asset,) = fast.ops.store.inputs(done_id)
    _, (output,) = fast.ops.store.outputs(done_id)
    return created_id, done_id, asset.asset_id, output.asset_id


def _body(value: dict[str, Any]) -> Any:
    from generio.testing._handlers import FlowCreateBody

    return FlowCreateBody.model_validate(value)


READS = [
    "/templates",
    "/templates/model_optimize",
    "/templates/nope",
    "/flows",
    "/flows?page=2",
    "/flows?page=2&sort_by=progress&filter_by=completed",
    "/flows?sort_by=status",
    "/flows?page=1&page=2",
    "/flows?page=0",
    "/flows?page=01",
    "/flows?page=x",
    "/flows?filter_by=bogus",
    "/flows?filter_by=",
    "/flows?unknown=1",
    f"/flows/{UNKNOWN}",
    "/flows/{done}",
    "/flows/{created}",
    "/flows/{done}/inputs",
    "/flows/{done}/inputs?include_data=true",
    "/flows/{done}/inputs?include_data=yes",
    "/flows/{done}/inputs?include_data=false&include_data=true",
    "/flows/{done}/inputs/{asset}",
    f"/flows/{{done}}/inputs/{UNKNOWN}",
    "/flows/{done}/outputs",
    "/flows/{done}/outputs?include_data=1",
    "/flows/{done}/outputs?include_data=nope",
    "/flows/{done}/outputs/{output}",
    "/flows/{created}/outputs",
]


@pytest.mark.parametrize("target", READS)
def test_reads_answer_as_fastapi_does(fast: FastPath, target: str) -> None:
    """Every read, good or bad, gets FastAPI's status, headers and bytes."""
    created, done, asset, output = _flows(fast)
    url = target.format(created=created, done=done, asset=asset, output=output)
    through_fast, through_fastapi = _both(fast, "GET", url)
    assert through_fast == through_fastapi


WRITES = [
    ("POST", "/flows", b"{not json"),
    ("POST", "/flows", b"[1, 2]"),
    ("POST", "/flows", b"\xff\xfe"),
    ("POST", "/flows", b"[" * 100_000),
    ("POST", "/flows", b""),
    ("POST", "/flows", {"inputs": []}),
    ("POST", "/flows", {"template": "nope"}),
    ("POST", "/flows", {"template": "model_optimize", "parameters": {"polygon_count": "x"}}),
    ("POST", "/flows", {"template": "model_optimize", "parameters": [1]}),
    ("POST", "/flows", {"template": "model_optimize", "inputs": [{"data": "not a model"}]}),
    ("PATCH", "/flows/{created}", {"action": "start"}),
    ("PATCH", "/flows/{done}", {"action": "start"}),
    ("PATCH", "/flows/{done}", {"action": "explode"}),
    ("PATCH", f"/flows/{UNKNOWN}", {"action": "abort"}),
    ("DELETE", f"/flows/{UNKNOWN}", None),
    ("POST", "/flows/{done}/inputs", {"data": "a chair"}),
    ("POST", "/flows/{created}/inputs", {"data": 5}),
    ("POST", "/flows/{created}/inputs", {"data": "not a model"}),
]


@pytest.mark.parametrize(("method", "target", "body"), WRITES)
def test_refused_writes_answer_as_fastapi_does(
    fast: FastPath, method: str, target: str, body: Any
) -> None:
    """Writes that change nothing (404, 409, 422 of any kind) get FastAPI's exact answer."""
    created, done, _, _ = _flows(fast)
    url = target.format(created=created, done=done)
    through_fast, through_fastapi = _both(fast, method, url, body)
    assert through_fast == through_fastapi
    assert through_fast[0] in (404, 409, 422), through_fast


@pytest.mark.parametrize("kind", [b"application/json; charset=utf-8", b"text/plain"])
def test_other_content_types_go_to_fastapi(fast: FastPath, kind: bytes) -> None:
    """A body of another content type is FastAPI's to judge, the body read once and replayed."""
    through_fast, through_fastapi = _both(fast, "POST", "/flows", {"template": "nope"}, kind)
    assert through_fast == through_fastapi


def test_well_formed_requests_never_reach_fastapi() -> None:
    """A client's ordinary session is served without FastAPI: its app is never even built."""
    import httpx

    with Emulator(flow_seconds=0.0) as emu:
        fast = emu._control.handle.middleware.app  # type: ignore[union-attr]
        headers = {"Authorization": f"Bearer {emu.api_key}"}
        with httpx.Client(base_url=emu.base_url, headers=headers) as http:
            flow = http.post("/flows", json={"template": "model_optimize"}).json()["flow_id"]
            assert http.patch(f"/flows/{flow}", json={"action": "start"}).status_code == 409
            http.get("/templates").raise_for_status()
            http.get("/flows", params={"page": 1, "sort_by": "created_at"}).raise_for_status()
            http.get(f"/flows/{flow}").raise_for_status()
            http.get(f"/flows/{flow}/inputs", params={"include_data": "true"}).raise_for_status()
            assert http.get(f"/flows/{UNKNOWN}").status_code == 404
            assert fast._app is None
            assert http.get("/flows/").status_code in (307, 404)  # FastAPI's own answer
            assert fast._app is not None
