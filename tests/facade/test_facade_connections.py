"""How requests reach the service: plain httpx pools, one retry policy for every caller.

The facade and ``client.low_level`` send through the same ``send()`` (retries, bounded
answers) over plain httpx clients, so httpx picks the proxy; ``with_options`` copies carry
their own headers, timeout and retries while sharing the pools.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler

import httpx
import pytest
from generio_api.api.flows import get_flow
from generio_api.api.templates import list_templates
from generio_api.models import Flow as LowFlow

from generio import AsyncGenerio, Generio
from generio._http.pools import MAX_CONNECTIONS, SHARDS, shard_limits
from generio.testing import Emulator
from tests.helpers.facade import PROMPT_TEMPLATE
from tests.helpers.forward_proxy import ForwardProxy
from tests.helpers.quiet_server import QuietServer

_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[ForwardProxy]:
    """Put a counting proxy in HTTP_PROXY, every other proxy variable cleared."""
    for name in _VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    with ForwardProxy() as running:
        monkeypatch.setenv("HTTP_PROXY", running.url)
        yield running


def _made(client: Generio) -> int:
    return sum(pool is not None for pool in client._pools._clients)


def test_low_level_calls_go_through_the_proxy_and_are_retried(
    proxy: ForwardProxy, emu: Emulator
) -> None:
    """client.low_level: httpx's proxy from the environment, and the facade's retries."""
    with Generio(emu.api_key, emu.base_url) as client:
        flow = client.flows.create(PROMPT_TEMPLATE, inputs="a chair")
        emu.add_fault("server_error", "get_flow", count=1)
        got = get_flow.sync(flow.id, client=client.low_level)
    assert isinstance(got, LowFlow)
    assert got.flow_id == flow.id
    paths = [httpx.URL(url).path for method, url in proxy.seen if method == "GET"]
    assert paths.count(f"/flows/{flow.id}") == 2
    assert [r.kind.value for r in emu.fault_log] == ["server_error"]


def test_a_copys_low_level_carries_its_headers_and_retries() -> None:
    """A with_options copy's low_level sends the copy's headers and retry budget."""
    seen: list[httpx.Request] = []

    def busy(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(503, json={"detail": "busy"})

    with (
        httpx.Client(transport=httpx.MockTransport(busy)) as http,
        Generio("sk-test-connections", "http://127.0.0.1:9", http_client=http) as client,
    ):
        copy = client.with_options(max_retries=0, headers={"X-Trace": "copy"})
        assert list_templates.sync_detailed(client=copy.low_level).status_code == 503
        assert len(seen) == 1
        assert seen[0].headers["x-trace"] == "copy"
        assert seen[0].headers["authorization"] == "Bearer sk-test-connections"
        list_templates.sync_detailed(client=client.low_level)
    assert len(seen) == 1 + 3  # the original retries twice
    assert "x-trace" not in seen[-1].headers


def test_cookies_an_answer_sets_are_sent_back() -> None:
    """A cookie the service sets (a load balancer's) goes with the next requests."""
    cookies: list[str | None] = []

    def answer(request: httpx.Request) -> httpx.Response:
        cookies.append(request.headers.get("cookie"))
        return httpx.Response(
            200, json={"templates": []}, headers={"set-cookie": "lb=node-3; Path=/"}
        )

    with (
        httpx.Client(transport=httpx.MockTransport(answer)) as http,
        Generio("sk-test-connections", "http://127.0.0.1:9", http_client=http) as client,
    ):
        client.templates.list()
        client.with_options(timeout=5).templates.list()
    assert cookies == [None, "lb=node-3"]


def test_pools_are_small_and_made_only_when_requests_overlap(emu: Emulator) -> None:
    """One request at a time uses one pool; overlapping ones spread over several."""
    assert shard_limits().max_connections * SHARDS == MAX_CONNECTIONS
    with Generio(emu.api_key, emu.base_url) as client:
        flow = client.flows.create(PROMPT_TEMPLATE, inputs="a chair")
        for _ in range(20):
            client.flows.get(flow.id)
        assert _made(client) == 1
        emu.add_fault("slow", "get_flow", delay=0.5, count=24)
        with ThreadPoolExecutor(24) as threads:
            got = list(threads.map(lambda _: client.flows.get(flow.id).id, range(24)))
        assert got == [flow.id] * 24
        assert _made(client) > 1
        assert all(n == 0 for n in client._pools._load.busy)  # every answer was closed


class _SetsOnce(BaseHTTPRequestHandler):
    """Sets a cookie only on answers to requests without one; records each Cookie header."""

    protocol_version = "HTTP/1.1"
    seen: list[str | None]

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet."""

    def do_GET(self) -> None:
        """Answer an empty template list."""
        self.seen.append(self.headers.get("cookie"))
        body = b'{"templates": []}'
        self.send_response(200)
        if self.seen[-1] is None:
            self.send_header("Set-Cookie", "lb=node-3; Path=/")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _cookie_server() -> tuple[QuietServer, list[str | None]]:
    seen: list[str | None] = []
    handler = type("Handler", (_SetsOnce,), {"seen": seen})
    server = QuietServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, seen


def test_generio_pools_keep_a_cookie_over_answers_that_set_none() -> None:
    """The pools generio makes keep a cookie set once, over later answers that set none."""
    server, seen = _cookie_server()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with Generio("sk-test-connections", url) as client:
            for _ in range(3):
                client.templates.list()

        async def three() -> None:
            async with AsyncGenerio("sk-test-connections", url) as aclient:
                for _ in range(3):
                    await aclient.templates.list()

        asyncio.run(three())
    finally:
        server.shutdown()
        server.server_close()
    # Each client starts with its own jar; only its first answer sets the cookie.
    assert seen == [None, "lb=node-3", "lb=node-3"] * 2
