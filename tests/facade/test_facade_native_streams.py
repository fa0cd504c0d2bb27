"""AsyncGenerio's pools speak asyncio directly (generio/_http/native.py): same promises as anyio's.

Real sockets on 127.0.0.1 throughout: the emulator, TLS in front of it (trustme's CA), a
CONNECT proxy, and small asyncio servers that stall, refuse to read or hang up.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

import anyio
import httpcore
import httpx
import pytest
import sniffio

from generio import AsyncGenerio
from generio._http.native import NativeBackend, NativeStream, install
from generio.testing import Emulator
from tests.helpers.facade import PROMPT_TEMPLATE
from tests.helpers.sockets import client_sockets
from tests.helpers.tls import Authority, Relay

_PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@pytest.fixture(scope="module")
def authority() -> Authority:
    """One throwaway CA for the module's TLS servers."""
    return Authority()


@pytest.fixture
def no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Clear every proxy variable."""
    for name in _PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def _emulator_address(emu: Emulator) -> tuple[str, int]:
    url = httpx.URL(emu.base_url)
    assert url.host
    assert url.port
    return url.host, url.port


@asynccontextmanager
async def _server(handler: Handler) -> AsyncIterator[int]:
    """Serve ``handler`` on a port of 127.0.0.1 in this event loop; yield the port."""
    tasks: set[asyncio.Task[None]] = set()

    async def serving(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await handler(reader, writer)
        except ConnectionError:
            pass  # the client hung up
        finally:
            writer.close()

    def accepted(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.get_running_loop().create_task(serving(reader, writer))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    server = await asyncio.start_server(accepted, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        for task in list(tasks):
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await server.wait_closed()


async def _head(reader: asyncio.StreamReader) -> bytes:
    return await reader.readuntil(b"\r\n\r\n")


def _answer(body: bytes, *, close: bool = False) -> bytes:
    connection = b"Connection: close\r\n" if close else b""
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" % (len(body), connection, body)


def _native_client(**options: object) -> httpx.AsyncClient:
    return install(httpx.AsyncClient(**options))  # type: ignore[arg-type]


async def _pool_stream(client: AsyncGenerio, url: str) -> Any:
    """GET ``url`` through one of the client's own pools; the network stream it went over."""
    pool, index = client._pools.take()
    try:
        response = await pool.get(url)
    finally:
        client._pools.give(index)
    return response.extensions["network_stream"]


def test_async_client_pools_use_the_native_streams(emu: Emulator, no_proxies: None) -> None:
    """A run through AsyncGenerio's own pools goes over native streams (checks httpx's layout)."""

    async def scenario() -> tuple[str, object]:
        async with AsyncGenerio(emu.api_key, emu.base_url) as client:
            result = await client.run(PROMPT_TEMPLATE, "a chair")
            return result.flow.state, await _pool_stream(client, f"{emu.base_url}/templates")

    state, stream = anyio.run(scenario)
    assert state == "completed"
    assert isinstance(stream, NativeStream)


def test_a_run_over_loopback_tls(
    emu: Emulator,
    authority: Authority,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    no_proxies: None,
) -> None:
    """AsyncGenerio runs a flow over real TLS (the CA from SSL_CERT_FILE), reusing connections."""
    monkeypatch.setenv("SSL_CERT_FILE", str(authority.write_ca(tmp_path / "ca.pem")))
    with Relay(_emulator_address(emu), authority.server_context()) as front:

        async def scenario() -> tuple[str, int, object]:
            async with AsyncGenerio(emu.api_key, front.url) as client:
                result = await client.run(PROMPT_TEMPLATE, "a chair")
                for _ in range(5):
                    await client.flows.get(result.flow.id)
                stream = await _pool_stream(client, f"{front.url}/templates")
                return result.flow.state, len(result.outputs), stream.get_extra_info("ssl_object")

        state, outputs, ssl_object = anyio.run(scenario)
    assert state == "completed"
    assert outputs >= 1
    assert isinstance(ssl_object, ssl.SSLObject)
    assert ssl_object.version() in ("TLSv1.2", "TLSv1.3")
    assert 1 <= front.connections <= 3  # the polls reused the connections


def test_a_run_through_a_connect_proxy_to_tls(
    emu: Emulator,
    authority: Authority,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    no_proxies: None,
) -> None:
    """HTTPS_PROXY: the TLS handshake runs inside the proxy's CONNECT tunnel (start_tls)."""
    monkeypatch.setenv("SSL_CERT_FILE", str(authority.write_ca(tmp_path / "ca.pem")))
    with (
        Relay(_emulator_address(emu), authority.server_context()) as front,
        Relay(None, None) as proxy,
    ):
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)

        async def scenario() -> str:
            async with AsyncGenerio(emu.api_key, front.url) as client:
                return (await client.run(PROMPT_TEMPLATE, "a chair")).flow.state

        assert anyio.run(scenario) == "completed"
    assert proxy.tunnels
    assert set(proxy.tunnels) == {f"127.0.0.1:{front.port}"}


@pytest.mark.anyio
async def test_tls_inside_tls_through_an_https_proxy(emu: Emulator, authority: Authority) -> None:
    """A stream can start TLS twice: to an HTTPS proxy, then through its tunnel to the server."""
    client_tls = authority.client_context()
    with (
        Relay(_emulator_address(emu), authority.server_context()) as front,
        Relay(None, authority.server_context()) as proxy,
    ):
        backend = NativeBackend(httpcore.AnyIOBackend())
        stream = await backend.connect_tcp("127.0.0.1", proxy.port, timeout=5)
        stream = await stream.start_tls(client_tls, "127.0.0.1", timeout=5)
        await stream.write(b"CONNECT 127.0.0.1:%d HTTP/1.1\r\n\r\n" % front.port, timeout=5)
        assert (await stream.read(65536, timeout=5)).startswith(b"HTTP/1.1 200")
        stream = await stream.start_tls(client_tls, "127.0.0.1", timeout=5)
        request = b"GET /templates HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n"
        await stream.write(request % emu.api_key.encode(), timeout=5)
        answer = await stream.read(65536, timeout=5)
        await stream.aclose()
    assert answer.startswith(b"HTTP/1.1 200")
    assert proxy.tunnels == [f"127.0.0.1:{front.port}"]


@pytest.mark.anyio
async def test_tls_to_a_server_with_an_untrusted_certificate_is_a_connect_error(
    authority: Authority,
) -> None:
    """A certificate the client does not trust fails the handshake as httpx.ConnectError."""
    with Relay(("127.0.0.1", 9), Authority().server_context()) as front:
        async with _native_client(verify=authority.client_context()) as client:
            with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                await client.get(front.url)


@pytest.mark.anyio
async def test_a_silent_server_is_a_read_timeout() -> None:
    """No answer within the read timeout raises httpx.ReadTimeout; the socket is closed."""

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _head(reader)
        await reader.read()  # until the client hangs up

    async with _server(silent) as port, _native_client(timeout=0.2) as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.get(f"http://127.0.0.1:{port}/")
        assert client_sockets(port) == 0


@pytest.mark.anyio
async def test_a_server_that_reads_nothing_is_a_write_timeout() -> None:
    """A body the server never reads fills the buffers: httpx.WriteTimeout, not a hang."""

    async def deaf(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(30)

    async with _server(deaf) as port, _native_client(timeout=0.3) as client:
        with pytest.raises(httpx.WriteTimeout):
            await client.post(f"http://127.0.0.1:{port}/", content=b"x" * (64 << 20))


@pytest.mark.anyio
async def test_a_refused_connection_is_a_connect_error() -> None:
    """Nothing listening: httpx.ConnectError."""
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    async with _native_client(timeout=2) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(f"http://127.0.0.1:{port}/")


@pytest.mark.anyio
async def test_connects_cancelled_at_any_step_leave_no_socket_open() -> None:
    """A connect cancelled anywhere (timeouts, a batch's task group) closes its socket.

    asyncio's happy eyeballs (3.11) left the socket of a connect that won its race open when
    the caller was cancelled: found by an unclosed-socket ResourceWarning in the suite.
    """
    backend = NativeBackend(httpcore.AnyIOBackend())
    async with _server(lambda reader, writer: reader.read()) as port:
        for turns in range(12):  # cancel after 0, 1, ... 11 turns of the loop
            for _ in range(10):
                task = asyncio.ensure_future(backend.connect_tcp("127.0.0.1", port, timeout=5))
                for _ in range(turns):
                    await asyncio.sleep(0)
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await (await task).aclose()
        await asyncio.sleep(0.05)
        assert client_sockets(port) == 0


@pytest.mark.anyio
async def test_an_idle_connection_the_server_closed_is_not_reused() -> None:
    """The server hangs up a kept-alive connection: the next request opens a new one, no error."""
    connections = 0

    async def once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        await _head(reader)
        writer.write(_answer(b"hi"))  # kept alive, as far as the client knows...
        await writer.drain()
        writer.close()  # ... but closed

    async with _server(once) as port, _native_client(timeout=5) as client:
        first = await client.get(f"http://127.0.0.1:{port}/")
        stream = first.extensions["network_stream"]
        with anyio.fail_after(5):  # until the server's end has arrived: no event tells it
            while not stream.get_extra_info("is_readable"):  # noqa: ASYNC110
                await anyio.sleep(0.01)
        second = await client.get(f"http://127.0.0.1:{port}/")
    assert (first.text, second.text) == ("hi", "hi")
    assert connections == 2


@pytest.mark.anyio
async def test_a_large_answer_read_slowly_arrives_whole_with_bounded_buffering() -> None:
    """8 MB read by a slow reader: every byte in order, and at most ~0.5 MB held unread."""
    body = os.urandom(8 << 20)

    async def big(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _head(reader)
        writer.write(_answer(body))
        await writer.drain()

    digest, most = hashlib.sha256(), 0
    async with (
        _server(big) as port,
        _native_client(timeout=10) as client,
        client.stream("GET", f"http://127.0.0.1:{port}/") as response,
    ):
        connection = response.extensions["network_stream"]._connection
        async for chunk in response.aiter_raw():
            digest.update(chunk)
            await asyncio.sleep(0.001)  # the server sends faster than this reads
            most = max(most, connection.size)
    assert digest.digest() == hashlib.sha256(body).digest()
    assert most <= 512 * 1024


@pytest.mark.anyio
async def test_a_cancelled_read_leaves_no_connection_in_the_pool() -> None:
    """A task cancelled mid-answer: its connection is closed, not pooled; the next request works."""
    stalled = anyio.Event()

    async def half(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await _head(reader)
        if b"/stall" in head:
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf")
            await writer.drain()
            stalled.set()
            await reader.read()
            return
        writer.write(_answer(b"whole"))
        await writer.drain()
        await reader.read()

    async with _server(half) as port, _native_client(timeout=30) as client:
        async with anyio.create_task_group() as tasks:

            async def reading() -> None:
                await client.get(f"http://127.0.0.1:{port}/stall")

            tasks.start_soon(reading)
            await stalled.wait()
            await anyio.wait_all_tasks_blocked()
            tasks.cancel_scope.cancel()
        assert client_sockets(port) == 0
        pool = client._transport._pool  # type: ignore[attr-defined]
        assert pool.connections == []
        again = await client.get(f"http://127.0.0.1:{port}/whole")
    assert again.text == "whole"


@pytest.mark.anyio
async def test_closing_a_stream_wakes_its_waiting_read() -> None:
    """aclose() from another task while a read waits: the read raises ReadError, at once."""

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()

    async with _server(silent) as port:
        stream = await NativeBackend(httpcore.AnyIOBackend()).connect_tcp("127.0.0.1", port)
        failures: list[BaseException] = []

        async def reading() -> None:
            try:
                await stream.read(100, timeout=30)
            except httpcore.ReadError as exc:
                failures.append(exc)

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(reading)
            await anyio.wait_all_tasks_blocked()
            await stream.aclose()
        assert len(failures) == 1
        assert client_sockets(port) == 0


@pytest.mark.anyio
async def test_socket_options_local_address_and_addresses() -> None:
    """socket_options and local_address reach the socket; client_addr/server_addr answer."""

    async def hello(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _head(reader)
        writer.write(_answer(b"hi"))
        await writer.drain()
        await reader.read()

    options = [(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)]
    async with (
        _server(hello) as port,
        httpcore.AsyncConnectionPool(  # httpx's transport takes socket_options from 0.25 on
            socket_options=options,
            local_address="127.0.0.1",
            network_backend=NativeBackend(httpcore.AnyIOBackend()),
        ) as pool,
    ):
        response = await pool.request("GET", f"http://127.0.0.1:{port}/")
        stream = response.extensions["network_stream"]
        assert isinstance(stream, NativeStream)
        assert stream.get_extra_info("socket").getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE)
        assert stream.get_extra_info("client_addr")[0] == "127.0.0.1"
        assert stream.get_extra_info("server_addr") == ("127.0.0.1", port)
        assert stream.get_extra_info("ssl_object") is None
    assert response.content == b"hi"


@pytest.mark.anyio
async def test_a_unix_socket(tmp_path: Path) -> None:
    """A transport with uds= connects over a Unix socket through the native backend."""

    async def hello(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _head(reader)
        writer.write(_answer(b"over uds", close=True))
        await writer.drain()
        writer.close()

    path = str(tmp_path / "s.sock")
    server = await asyncio.start_unix_server(hello, path)
    try:
        transport = httpx.AsyncHTTPTransport(uds=path)
        async with _native_client(transport=transport) as client:
            response = await client.get("http://local/")
            assert isinstance(response.extensions["network_stream"], NativeStream)
    finally:
        server.close()
        await server.wait_closed()
    assert response.text == "over uds"


class _Recording(httpcore.AsyncNetworkBackend):
    """A stand-in for the pool's own backend that records what it was asked."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def connect_tcp(self, host: str, port: int, **options: object) -> NativeStream:  # type: ignore[override]
        self.asked.append(f"tcp {host}:{port}")
        raise httpcore.ConnectError("recorded")

    async def sleep(self, seconds: float) -> None:
        self.asked.append(f"sleep {seconds}")


@pytest.mark.anyio
async def test_other_event_loops_get_the_pools_own_backend() -> None:
    """Outside asyncio (trio), connecting and sleeping go to the backend the pool had."""
    recording = _Recording()
    backend = NativeBackend(recording)
    token = sniffio.current_async_library_cvar.set("trio")  # what sniffio says under trio
    try:
        with pytest.raises(httpcore.ConnectError, match="recorded"):
            await backend.connect_tcp("127.0.0.1", 9)
        await backend.sleep(0)
    finally:
        sniffio.current_async_library_cvar.reset(token)
    assert recording.asked == ["tcp 127.0.0.1:9", "sleep 0"]
