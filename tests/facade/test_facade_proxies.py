"""Proxies from the environment (HTTP_PROXY, NO_PROXY), with generio's retries still in force."""

from __future__ import annotations

from collections.abc import Iterator

import anyio
import httpx
import pytest

from generio import AsyncGenerio, Generio
from generio.testing import Emulator
from tests.helpers.facade import PROMPT_TEMPLATE
from tests.helpers.forward_proxy import ForwardProxy

_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[ForwardProxy]:
    """Start a counting forward proxy and clear every proxy variable."""
    for name in _VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    with ForwardProxy() as running:
        yield running


def _paths(proxy: ForwardProxy, method: str = "GET") -> list[str]:
    return [httpx.URL(url).path for m, url in proxy.seen if m == method]


def test_sync_client_sends_through_http_proxy(
    proxy: ForwardProxy, emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Generio honours HTTP_PROXY like httpx (trust_env): every request goes through it."""
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    with Generio(emu.api_key, emu.base_url) as client:
        templates = client.templates.list()
        result = client.run(PROMPT_TEMPLATE, "a chair")
    assert templates
    assert result.flow.state == "completed"
    assert "/templates" in _paths(proxy)
    assert _paths(proxy, "POST") == ["/flows"]
    assert all(url.startswith(emu.base_url) for _, url in proxy.seen)


def test_retried_request_goes_through_proxy_again(
    proxy: ForwardProxy, emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A request that failed with a 500 is retried, and the retry goes through the proxy too."""
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    with Generio(emu.api_key, emu.base_url) as client:
        flow = client.flows.create(PROMPT_TEMPLATE, inputs="a chair")
        emu.add_fault("server_error", "get_flow", count=1)
        got = client.flows.get(flow.id)
    assert got.id == flow.id
    assert _paths(proxy).count(f"/flows/{flow.id}") == 2
    assert [r.kind for r in emu.fault_log if r.operation == "get_flow"] == ["server_error"]


def test_async_client_sends_through_proxy_and_retries(
    proxy: ForwardProxy, emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AsyncGenerio honours HTTP_PROXY too, with its retries through the proxy."""
    monkeypatch.setenv("HTTP_PROXY", proxy.url)

    async def scenario() -> str:
        async with AsyncGenerio(emu.api_key, emu.base_url) as client:
            flow = await client.flows.create(PROMPT_TEMPLATE, inputs="a chair")
            emu.add_fault("server_error", "get_flow", count=1)
            return (await client.flows.get(flow.id)).id

    flow_id = anyio.run(scenario)
    assert _paths(proxy, "POST") == ["/flows"]
    assert _paths(proxy).count(f"/flows/{flow_id}") == 2
    assert [r.operation for r in emu.fault_log] == ["get_flow"]


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_no_proxy_bypasses_the_proxy(
    kind: str, proxy: ForwardProxy, emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A host listed in NO_PROXY is reached directly, as httpx does it."""
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", f"example.org,{httpx.URL(emu.base_url).host}")
    if kind == "sync":
        with Generio(emu.api_key, emu.base_url) as client:
            assert client.templates.list()
    else:

        async def scenario() -> int:
            async with AsyncGenerio(emu.api_key, emu.base_url) as client:
                return len(await client.templates.list())

        assert anyio.run(scenario) > 0
    assert proxy.seen == []


def test_own_http_client_is_not_given_env_proxies(
    proxy: ForwardProxy, emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With your own httpx client, its proxy settings rule (here trust_env=False: direct)."""
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    with (
        httpx.Client(trust_env=False) as http,
        Generio(emu.api_key, emu.base_url, http_client=http) as client,
    ):
        assert client.templates.list()
    assert proxy.seen == []
