"""Downloads and uploads through transports that stream: raw bodies, hostile ids, memory."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import tracemalloc
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest

from generio import AsyncGenerio, ConflictError, DownloadTimeoutError, Generio
from tests.helpers.facade import FLOW_JSON, KEY, MockFactory

GLB = b"glTF" + bytes(range(256)) * 64
FID = "f1"


class StreamingTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Answers from a route table; consumes request bodies chunk by chunk, keeping a hash."""

    def __init__(self, routes: dict[str, Callable[[], httpx.Response]]) -> None:
        self.routes = routes
        self.bodies: list[tuple[int, str]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Read the whole request body piecewise, then answer from the table."""
        digest, size = hashlib.sha256(), 0
        for chunk in request.stream:  # type: ignore[union-attr]
            digest.update(chunk)
            size += len(chunk)
        if size:
            self.bodies.append((size, digest.hexdigest()))
        return self._answer(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Read the whole request body piecewise, then answer from the table."""
        size = 0
        async for chunk in request.stream:  # type: ignore[union-attr]
            size += len(chunk)
        if size:
            self.bodies.append((size, ""))
        return self._answer(request)

    def _answer(self, request: httpx.Request) -> httpx.Response:
        path = request.url.raw_path.decode().split("?")[0]
        return self.routes[f"{request.method} {path}"]()


def _client(routes: dict[str, Callable[[], httpx.Response]]) -> tuple[Generio, StreamingTransport]:
    transport = StreamingTransport(routes)
    http = httpx.Client(transport=transport)
    return Generio(KEY, "https://flows.example", http_client=http, max_retries=0), transport


def _outputs(*assets: dict[str, object]) -> Callable[[], httpx.Response]:
    return lambda: httpx.Response(200, json={"flow_id": FID, "outputs": list(assets)})


def test_raw_binary_body_written_as_is(make_client: MockFactory, tmp_path: Path) -> None:
    """A non-JSON answer (as the vendor's quickstart assumes) is the file itself."""
    routes = {
        f"GET /flows/{FID}/outputs": _outputs({"id": "o1", "status": "available"}),
        f"GET /flows/{FID}/outputs/o1": lambda: httpx.Response(
            200, content=GLB, headers={"content-type": "model/gltf-binary"}
        ),
    }
    with make_client(StreamingTransport(routes), max_retries=0) as client:
        (path,) = client.flows.download_outputs(FID, tmp_path)
        one = client.flows.output(FID, "o1")
    assert path == tmp_path / "o1.glb"
    assert path.read_bytes() == GLB
    assert one.data == GLB
    assert one.mime_type == "model/gltf-binary"


def test_both_id_spellings_and_statuses(make_client: MockFactory, tmp_path: Path) -> None:
    """Outputs named by asset_id or id, ready or available, download; error ones do not."""
    uri = "data:model/gltf-binary;base64," + base64.b64encode(GLB).decode()
    routes = {
        f"GET /flows/{FID}/outputs": _outputs(
            {"asset_id": "a1", "status": "ready"},
            {"id": "a2", "status": "available"},
            {"asset_id": "a3", "status": "error", "error": "broken input"},
        ),
        f"GET /flows/{FID}/outputs/a1": lambda: httpx.Response(200, json={"data": uri}),
        f"GET /flows/{FID}/outputs/a2": lambda: httpx.Response(
            200, json={"id": "a2", "status": "available", "data": uri}
        ),
    }
    with make_client(StreamingTransport(routes), max_retries=0) as client:
        outputs = client.flows.outputs(FID)
        paths = client.flows.download_outputs(FID, tmp_path)
    assert [o.id for o in outputs] == ["a1", "a2", "a3"]
    assert [o.is_ready for o in outputs] == [True, True, False]
    assert outputs[2].error == "broken input"
    assert [p.name for p in paths] == ["a1.glb", "a2.glb"]


def test_hostile_asset_id_stays_inside(make_client: MockFactory, tmp_path: Path) -> None:
    """An asset id full of path tricks still lands inside out_dir."""
    evil = "../../escape"
    uri = "data:model/gltf-binary;base64," + base64.b64encode(GLB).decode()
    routes = {
        f"GET /flows/{FID}/outputs": _outputs({"asset_id": evil, "status": "ready"}),
        f"GET /flows/{FID}/outputs/..%2F..%2Fescape": lambda: httpx.Response(
            200, json={"data": uri}
        ),
    }
    out = tmp_path / "out"
    with make_client(StreamingTransport(routes), max_retries=0) as client:
        (path,) = client.flows.download_outputs(FID, out)
    assert path.parent == out
    assert path.read_bytes() == GLB
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_body_without_data_is_server_error(make_client: MockFactory, tmp_path: Path) -> None:
    """A 200 that keeps holding no data is ridden out until download_timeout; no file left."""
    routes = {
        f"GET /flows/{FID}/outputs": _outputs({"asset_id": "a1", "status": "ready"}),
        f"GET /flows/{FID}/outputs/a1": lambda: httpx.Response(200, json={"data": None}),
    }
    # The answer is unreadable every time: the fetch goes on until download_timeout.
    with (
        make_client(StreamingTransport(routes), max_retries=0, download_timeout=0.5) as client,
        pytest.raises(DownloadTimeoutError, match="download_timeout") as caught,
    ):
        client.flows.download_outputs(FID, tmp_path)
    assert list(tmp_path.iterdir()) == []
    assert caught.value.generio_flow_id == FID  # type: ignore[attr-defined]
    assert caught.value.path == f"/flows/{FID}/outputs/a1"


def test_download_conflict_before_finish(make_client: MockFactory, tmp_path: Path) -> None:
    """Outputs of an unfinished flow: the service's 409 comes through as ConflictError."""
    routes = {f"GET /flows/{FID}/outputs": lambda: httpx.Response(409, json={"detail": "running"})}
    with (
        make_client(StreamingTransport(routes), max_retries=0) as client,
        pytest.raises(ConflictError, match="running"),
    ):
        client.flows.download_outputs(FID, tmp_path)


def test_out_dir_that_is_a_file(make_client: MockFactory, tmp_path: Path) -> None:
    """An out_dir that is a file is an InputError, before any request."""
    from generio import InputError

    target = tmp_path / "file"
    target.write_bytes(b"x")
    with (
        make_client(StreamingTransport({}), max_retries=0) as client,
        pytest.raises(InputError, match="not a directory"),
    ):
        client.flows.download_outputs(FID, target)


def _big_json(raw_size: int) -> Iterator[bytes]:
    """Yield an output's JSON with a data URI of raw_size bytes, piece by piece."""
    block = base64.b64encode(GLB[:3072])
    yield b'{"asset_id":"big","status":"ready","data":"data:model/gltf-binary;base64,'
    for _ in range(raw_size // 3072):
        yield block * 1
    yield b'","error":null}'


def test_download_memory_is_bounded(tmp_path: Path) -> None:
    """A 48 MB output streams to disk with a few MB of Python memory at most."""
    size = 3072 * 16384  # 48 MiB
    routes = {
        f"GET /flows/{FID}/outputs": _outputs({"asset_id": "big", "status": "ready"}),
        f"GET /flows/{FID}/outputs/big": lambda: httpx.Response(
            200, content=_big_json(size), headers={"content-type": "application/json"}
        ),
    }
    client, _ = _client(routes)
    with client:
        tracemalloc.start()
        try:
            (path,) = client.flows.download_outputs(FID, tmp_path)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert path.stat().st_size == size
    assert peak < 16 * 1024 * 1024


async def _big_json_async(raw_size: int) -> AsyncIterator[bytes]:
    for piece in _big_json(raw_size):
        yield piece


def test_async_download_memory_is_bounded(tmp_path: Path) -> None:
    """A 48 MB output streams to disk on the async client too: only small ones are held."""
    size = 3072 * 16384  # 48 MiB
    routes = {
        f"GET /flows/{FID}/outputs": _outputs({"asset_id": "big", "status": "ready"}),
        f"GET /flows/{FID}/outputs/big": lambda: httpx.Response(
            200, content=_big_json_async(size), headers={"content-type": "application/json"}
        ),
    }

    async def download() -> tuple[list[Path], int]:
        http = httpx.AsyncClient(transport=StreamingTransport(routes))
        async with AsyncGenerio(KEY, "https://flows.example", http_client=http) as client:
            tracemalloc.start()
            try:
                paths = await client.flows.download_outputs(FID, tmp_path)
                return paths, tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()

    (path,), peak = asyncio.run(download())
    assert path.stat().st_size == size
    with path.open("rb") as saved:
        assert saved.read(6144) == GLB[:3072] * 2
    assert peak < 16 * 1024 * 1024


def test_upload_memory_is_bounded_and_exact(tmp_path: Path) -> None:
    """A 48 MB file uploads streamed, with the exact Content-Length, in bounded memory."""
    big = tmp_path / "big.glb"
    with big.open("wb") as handle:
        for _ in range(16384):
            handle.write(GLB[:3072])
    template = {
        "template_id": "t",
        "name": "model_optimize",
        "description": "d",
        "parameters": {},
        "input_types": ["model/gltf-binary"],
        "output_types": ["model/gltf-binary"],
    }
    routes = {
        "GET /templates/model_optimize": lambda: httpx.Response(200, json=template),
        "POST /flows": lambda: httpx.Response(200, json={**FLOW_JSON, "state": "starting"}),
    }
    client, transport = _client(routes)
    with client:
        tracemalloc.start()
        try:
            client.flows.create("model_optimize", inputs=[big])
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    ((sent, _digest),) = transport.bodies
    expected_uri = len("data:model/gltf-binary;base64,") + 4 * ((big.stat().st_size + 2) // 3)
    # The flow's additional carries the call's idempotency key and the fingerprint (a hash
    # of the file, computed in 1 MiB reads: it does not raise the peak).
    marker = (
        ',"additional":{"_generio_idempotency":{"key":"auto-' + "0" * 32 + '",'
        '"fingerprint":"sha256:' + "0" * 64 + '","value":null}}'
    )
    bare = '{"template":"model_optimize","inputs":[{"data":""}]}'
    assert sent == len(bare) + len(marker) + expected_uri
    assert peak < 24 * 1024 * 1024
