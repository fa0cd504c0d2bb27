"""stream_output where web apps read it: other threads and tasks, open() first, faults, limits.

Starlette pulls a sync iterator through a thread pool one chunk per call, and reads an async
one in another task than the handler that opened it; a stream keeps no context-bound state,
so both work. Faults of every transient kind are ridden out on opening and half-way; the
limits of a download (max_download_bytes, download_timeout) apply.
"""

from __future__ import annotations

import base64
import gc
import hashlib
import time
from concurrent.futures import ThreadPoolExecutor

import anyio
import anyio.lowlevel
import httpx
import pytest

from generio import (
    AsyncGenerio,
    ClientClosedError,
    DownloadTimeoutError,
    Generio,
    NotFoundError,
    ResponseTooLargeError,
    ServerError,
)
from generio._http import pools
from generio.testing import Emulator
from tests.helpers.emulator import finished_output, fired
from tests.helpers.facade import KEY, MOCK_URL, PROMPT_TEMPLATE

FAULTS = ["unavailable", "server_error", "bad_gateway", "rate_limit", "connection_reset"]


def _finished(emu: Emulator, size: int = 600_000) -> tuple[str, str, bytes]:
    """Make a finished flow with one output of about ``size`` bytes; its ids and bytes."""
    return finished_output(emu, size)


def test_sync_stream_read_one_chunk_per_thread(emu: Emulator) -> None:
    """Opened in one thread, each chunk read by another thread: the whole model, in order."""
    flow_id, asset_id, expected = _finished(emu)
    with Generio(emu.api_key, emu.base_url) as client, ThreadPoolExecutor(4) as pool:
        stream = pool.submit(lambda: client.flows.stream_output(flow_id, asset_id).open())
        opened = stream.result()
        assert opened.mime_type == "model/gltf-binary"
        assert opened.bytes_handed_out == 0
        chunks = []
        while (chunk := pool.submit(next, opened, None).result()) is not None:
            chunks.append(chunk)
    assert len(chunks) > 2
    assert b"".join(chunks) == expected


def test_async_stream_opened_in_one_task_read_in_another(emu: Emulator) -> None:
    """Opened (and its first chunk read) in one task, the rest read in a task group's task."""
    flow_id, asset_id, expected = _finished(emu)

    async def scenario() -> tuple[str | None, bytes]:
        async with AsyncGenerio(emu.api_key, emu.base_url) as client:
            stream = client.flows.stream_output(flow_id, asset_id)
            await stream.open()
            first = await stream.__anext__()
            rest: list[bytes] = []

            async def reader() -> None:
                async for chunk in stream:
                    rest.append(chunk)

            async with anyio.create_task_group() as group:
                group.start_soon(reader)
            return stream.mime_type, first + b"".join(rest)

    mime, streamed = anyio.run(scenario)
    assert (mime, streamed) == ("model/gltf-binary", expected)


@pytest.mark.parametrize("kind", FAULTS)
def test_opening_rides_out_transient_faults_beyond_max_retries(emu: Emulator, kind: str) -> None:
    """Four faults in a row on opening, with max_retries=0: both clients still stream it."""
    flow_id, asset_id, expected = _finished(emu)
    emu.add_fault(kind, "get_output", count=4, retry_after=0)
    with Generio(emu.api_key, emu.base_url, max_retries=0) as client:
        streamed = b"".join(client.flows.stream_output(flow_id, asset_id))
    emu.add_fault(kind, "get_output", count=4, retry_after=0)

    async def scenario() -> bytes:
        async with AsyncGenerio(emu.api_key, emu.base_url, max_retries=0) as client:
            return b"".join([c async for c in client.flows.stream_output(flow_id, asset_id)])

    assert streamed == expected
    assert anyio.run(scenario) == expected
    assert fired(emu) == [(kind, "get_output")] * 8


@pytest.mark.parametrize("kind", ["truncated_json", "lost_response"])
def test_a_stream_cut_half_way_goes_on_where_it_broke_off(emu: Emulator, kind: str) -> None:
    """A body cut half-way is opened again; the reader gets each byte once, in order."""
    flow_id, asset_id, expected = _finished(emu, 3_000_000)
    emu.add_fault(kind, "get_output", count=2)
    with Generio(emu.api_key, emu.base_url, max_retries=0) as client:
        streamed = b"".join(client.flows.stream_output(flow_id, asset_id))
    emu.add_fault(kind, "get_output", count=2)

    async def scenario() -> bytes:
        async with AsyncGenerio(emu.api_key, emu.base_url, max_retries=0) as client:
            return b"".join([c async for c in client.flows.stream_output(flow_id, asset_id)])

    assert hashlib.sha256(streamed).digest() == hashlib.sha256(expected).digest()
    assert anyio.run(scenario) == expected
    assert fired(emu) == [(kind, "get_output")] * 4


def test_stream_past_max_download_bytes_says_what_was_handed_out(emu: Emulator) -> None:
    """Past max_download_bytes: how many bytes were handed out, and what works for a web app."""
    flow_id, asset_id, expected = _finished(emu, 2_000_000)
    limit = 1_000_000
    errors: list[ResponseTooLargeError] = []
    received: list[int] = []
    with Generio(emu.api_key, emu.base_url, max_download_bytes=limit) as client:
        stream = client.flows.stream_output(flow_id, asset_id)
        got = 0
        try:
            for chunk in stream:
                got += len(chunk)
        except ResponseTooLargeError as exc:
            errors.append(exc)
        received.append(got)

    async def scenario() -> None:
        async with AsyncGenerio(emu.api_key, emu.base_url, max_download_bytes=limit) as client:
            got = 0
            try:
                async for chunk in client.flows.stream_output(flow_id, asset_id):
                    got += len(chunk)
            except ResponseTooLargeError as exc:
                errors.append(exc)
            received.append(got)

    anyio.run(scenario)
    assert len(errors) == 2
    for error, got in zip(errors, received, strict=True):
        assert 0 < got <= limit < len(expected)
        assert f"{got} bytes of the output had already been handed out" in str(error)
        assert "incomplete copy" in str(error)
        assert "stream.open()" in str(error)
        assert "nothing was kept" not in str(error).lower()
        assert error.generio_flow_id == flow_id  # type: ignore[attr-defined]


def test_open_meets_errors_before_anything_is_handed_out(sync_client: Generio) -> None:
    """A missing output is NotFoundError at open(), naming the flow; nothing was handed out."""
    result = sync_client.run(PROMPT_TEMPLATE, "a cup")
    stream = sync_client.flows.stream_output(result.flow.id, "no-such-output")
    with pytest.raises(NotFoundError) as caught:
        stream.open()
    assert stream.bytes_handed_out == 0
    assert caught.value.generio_flow_id == result.flow.id  # type: ignore[attr-defined]
    assert list(stream) == []  # a failed stream is closed


def test_streams_dropped_half_read_free_their_connections(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """150 streams read one chunk each and dropped: a pool of 100 never runs dry.

    gc.collect(1) collects the young generations, as the interpreter does on its own every
    few hundred allocations; a full collection walks the whole heap (66 ms each here).
    """
    monkeypatch.setattr(pools, "MAX_CONNECTIONS", 100)  # below 150: a leak would show
    flow_id, asset_id, _ = _finished(emu)
    with Generio(emu.api_key, emu.base_url, timeout=10.0) as client:
        for _ in range(150):
            stream = client.flows.stream_output(flow_id, asset_id)
            next(iter(stream))
            del stream
            gc.collect(1)

    async def scenario() -> None:
        async with AsyncGenerio(emu.api_key, emu.base_url, timeout=10.0) as client:
            for _ in range(150):
                stream = client.flows.stream_output(flow_id, asset_id)
                await stream.__anext__()
                del stream
                gc.collect(1)
                await anyio.lowlevel.checkpoint()  # the loop runs the generator's finalizer

    anyio.run(scenario)


class CutThenChanged:
    """Answers half a model, cut; then, asked again, another model (the content changed)."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        """Answer the next attempt."""
        self.calls += 1
        payload = (b"A" if self.calls == 1 else b"B") * 300_000
        body = b'{"data":"data:model/gltf-binary;base64,' + base64.b64encode(payload) + b'"}'
        if self.calls == 1:
            body = body[: len(body) // 2]
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})


def test_a_reopened_stream_never_splices_other_content() -> None:
    """When the reopened answer differs from what was handed out, a ServerError, no splice."""
    http = httpx.Client(transport=httpx.MockTransport(CutThenChanged()))
    with Generio(KEY, MOCK_URL, http_client=http) as client:
        stream = client.flows.stream_output("f1", "a1")
        with pytest.raises(ServerError, match="differs from the") as caught:
            b"".join(stream)
    assert caught.value.generio_flow_id == "f1"  # type: ignore[attr-defined]
    assert "incomplete copy" in str(caught.value)


def test_stream_honours_download_timeout_on_a_stalled_answer(emu: Emulator) -> None:
    """An answer held a minute ends in DownloadTimeoutError at download_timeout, both clients."""
    flow_id, asset_id, _ = _finished(emu)
    emu.add_fault("slow", "get_output", count=2, delay=60.0)
    with (
        Generio(emu.api_key, emu.base_url, download_timeout=1.0) as client,
        pytest.raises(DownloadTimeoutError) as caught,
    ):
        client.flows.stream_output(flow_id, asset_id).open()

    async def scenario() -> None:
        async with AsyncGenerio(emu.api_key, emu.base_url, download_timeout=1.0) as client:
            await client.flows.stream_output(flow_id, asset_id).open()

    with pytest.raises(DownloadTimeoutError) as caught_async:
        anyio.run(scenario)
    for error in (caught.value, caught_async.value):
        assert error.generio_flow_id == flow_id  # type: ignore[attr-defined]
        assert "download_timeout" in str(error)


def _first_fault(emu: Emulator) -> None:
    deadline = time.monotonic() + 60.0
    while not emu.fault_log:
        assert time.monotonic() < deadline, "no fault fired"
        time.sleep(0.01)


@pytest.mark.parametrize("max_retries", [0, 2], ids=["stream-pause", "transport-pause"])
@pytest.mark.parametrize("closer", ["stream", "client"])
def test_closing_from_another_thread_ends_a_stream_s_retry_pause(
    emu: Emulator, real_polls: None, max_retries: int, closer: str
) -> None:
    """A web server's thread waits out a 429's 20 s Retry-After; close() elsewhere ends it.

    Closing the stream ends its reading quietly and sends nothing more; closing the client
    makes it raise ClientClosedError. Either way within moments, not after the pause.
    """
    flow_id, asset_id, _ = _finished(emu)
    emu.add_fault("rate_limit", "get_output", count=10, retry_after=20)
    client = Generio(emu.api_key, emu.base_url, max_retries=max_retries)
    stream = client.flows.stream_output(flow_id, asset_id)
    with ThreadPoolExecutor(1) as pool:
        reading = pool.submit(lambda: b"".join(stream))
        _first_fault(emu)
        began = time.monotonic()
        if closer == "stream":
            stream.close()
            assert reading.result(timeout=60) == b""
        else:
            client.close()
            with pytest.raises(ClientClosedError):
                reading.result(timeout=60)
        elapsed = time.monotonic() - began
    client.close()
    assert elapsed < 5.0, f"the pause went on for {elapsed:.1f} s after close()"
    assert fired(emu) == [("rate_limit", "get_output")]  # nothing sent after the close


@pytest.mark.parametrize("closer", ["stream", "client"])
def test_closing_from_another_task_ends_an_async_stream_s_retry_pause(
    emu: Emulator, real_polls: None, closer: str
) -> None:
    """The async twin: aclose() in another task ends the stream's 20 s pause at once."""
    flow_id, asset_id, _ = _finished(emu)
    emu.add_fault("rate_limit", "get_output", count=10, retry_after=20)

    async def scenario() -> tuple[object, float]:
        client = AsyncGenerio(emu.api_key, emu.base_url, max_retries=0)
        stream = client.flows.stream_output(flow_id, asset_id)
        outcome: dict[str, object] = {}

        async def reader() -> None:
            try:
                outcome["read"] = b"".join([c async for c in stream])
            except ClientClosedError as exc:
                outcome["read"] = exc

        async with anyio.create_task_group() as group:
            group.start_soon(reader)
            while not emu.fault_log:  # noqa: ASYNC110 - filled by the emulator's thread
                await anyio.sleep(0.01)
            began = anyio.current_time()
            await (stream.aclose() if closer == "stream" else client.aclose())
        elapsed = anyio.current_time() - began
        await client.aclose()
        return outcome["read"], elapsed

    read, elapsed = anyio.run(scenario)
    assert elapsed < 5.0, f"the pause went on for {elapsed:.1f} s after aclose()"
    if closer == "stream":
        assert read == b""
    else:
        assert isinstance(read, ClientClosedError)
    assert fired(emu) == [("rate_limit", "get_output")]


@pytest.mark.parametrize("length", [True, False], ids=["content-length", "until-close"])
@pytest.mark.parametrize("closer", ["stream", "client"])
def test_closing_from_another_thread_ends_a_read_of_a_stalled_answer(
    closer: str, length: bool
) -> None:
    """The service stops sending half way; close() in another thread ends the read at once.

    A web server closes a stream its browser left while a worker thread waits for the next
    chunk: on Linux, closing a socket does not wake a read waiting on it, so the thread (and
    the connection) stayed until the 60 s read timeout.
    """
    import socket
    import threading

    stop = threading.Event()
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            while b"\r\n\r\n" not in conn.recv(65536):
                pass
            head = b"HTTP/1.1 200 OK\r\nContent-Type: model/gltf-binary\r\n"
            # Without a length the answer ends when the connection does: the shut-down
            # socket's end must not pass for the model's.
            framing = b"Content-Length: 1000000\r\n" if length else b"Connection: close\r\n"
            conn.sendall(head + framing + b"\r\n" + b"glTF" + bytes(99_996))
            stop.wait(120)  # the rest never comes

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    client = Generio(KEY, f"http://127.0.0.1:{port}", timeout=60)
    stream = client.flows.stream_output("6941ac784e4fd44b7afb5f4c", "6941ac784e4fd44b7afb5f4d")
    got: list[int] = []
    try:
        with ThreadPoolExecutor(1) as pool:
            reading = pool.submit(lambda: [got.append(len(chunk)) for chunk in stream])
            deadline = time.monotonic() + 30
            while sum(got) < 100_000 and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(0.2)  # the reader now waits for the next chunk
            began = time.monotonic()
            if closer == "stream":
                stream.close()
                reading.result(timeout=30)
            else:
                client.close()
                with pytest.raises(ClientClosedError, match="this Generio was closed while"):
                    reading.result(timeout=30)
            elapsed = time.monotonic() - began
    finally:
        stop.set()
        client.close()
        listener.close()
    assert sum(got) == 100_000
    assert elapsed < 5.0, f"the read went on for {elapsed:.1f} s after close()"


def test_closing_the_client_half_way_through_a_stream_fails_it_as_closed(emu: Emulator) -> None:
    """The client closed between two chunks: the next read raises ClientClosedError.

    The error names the client the stream came from, and nothing is sent again.
    """
    flow_id, asset_id, _ = _finished(emu, 3_000_000)
    before = emu.request_counts["get_output"]
    client = Generio(emu.api_key, emu.base_url)
    chunks = iter(client.flows.stream_output(flow_id, asset_id))
    next(chunks)
    client.close()
    with pytest.raises(ClientClosedError, match="this Generio was closed while"):
        b"".join(chunks)

    async def scenario() -> None:
        client = AsyncGenerio(emu.api_key, emu.base_url)
        chunks = client.flows.stream_output(flow_id, asset_id).__aiter__()
        await chunks.__anext__()
        await client.aclose()
        with pytest.raises(ClientClosedError, match="this AsyncGenerio was closed while"):
            b"".join([chunk async for chunk in chunks])

    anyio.run(scenario)
    assert emu.request_counts["get_output"] - before == 2  # one a stream, none after closing


def test_a_slow_reader_s_own_time_is_not_the_download_s(emu: Emulator) -> None:
    """A reader that takes 2 s over a stream, with download_timeout=1: it gets it all.

    download_timeout bounds the wait for the service; the time the reader holds the stream
    between chunks (a slow web client, an upload elsewhere) is its own.
    """
    flow_id, asset_id, expected = _finished(emu, 1_000_000)

    with Generio(emu.api_key, emu.base_url, download_timeout=1.0) as client:
        stream = client.flows.stream_output(flow_id, asset_id).open()
        time.sleep(0.4)  # the response starts a while after open()
        chunks = []
        for chunk in stream:
            chunks.append(chunk)
            time.sleep(0.1)  # about 16 chunks: 2 s in all
    assert b"".join(chunks) == expected
    assert len(chunks) > 8

    async def scenario() -> bytes:
        async with AsyncGenerio(emu.api_key, emu.base_url, download_timeout=1.0) as client:
            stream = await client.flows.stream_output(flow_id, asset_id).open()
            await anyio.sleep(0.4)
            chunks = []
            async for chunk in stream:
                chunks.append(chunk)
                await anyio.sleep(0.1)
            return b"".join(chunks)

    assert anyio.run(scenario) == expected
