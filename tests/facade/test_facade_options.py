"""``with_options``: per-request timeout, retries and headers on a copy sharing the pools."""

from __future__ import annotations

from collections.abc import Iterator

import anyio
import httpx
import pytest

from generio import (
    APITimeoutError,
    AsyncGenerio,
    ConfigurationError,
    Generio,
    ServerError,
)
from generio.testing import Emulator
from tests.helpers.facade import PROMPT_TEMPLATE
from tests.helpers.forward_proxy import ForwardProxy


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[ForwardProxy]:
    """Put a counting proxy in HTTP_PROXY: it tells how many connections clients open."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    with ForwardProxy() as running:
        monkeypatch.setenv("HTTP_PROXY", running.url)
        yield running


def test_copy_shares_the_connection_pool(proxy: ForwardProxy, emu: Emulator) -> None:
    """A with_options copy reuses the original's open connection instead of opening one."""
    with Generio(emu.api_key, emu.base_url) as client:
        client.templates.list()
        assert proxy.connections == 1
        fast = client.with_options(timeout=5, max_retries=0, headers={"X-Trace": "1"})
        fast.templates.list()
        fast.close()  # a copy's close leaves the shared pool open
        client.templates.list()
    assert len(proxy.seen) == 3
    assert proxy.connections == 1


def test_async_copy_shares_the_connection_pool(proxy: ForwardProxy, emu: Emulator) -> None:
    """AsyncGenerio.with_options shares the pool the same way."""

    async def scenario() -> None:
        async with AsyncGenerio(emu.api_key, emu.base_url) as client:
            await client.templates.list()
            fast = client.with_options(max_retries=0)
            assert isinstance(fast, AsyncGenerio)
            await fast.templates.list()
            await fast.aclose()
            await client.templates.list()

    anyio.run(scenario)
    assert len(proxy.seen) == 3
    assert proxy.connections == 1


def test_copy_sends_its_headers_and_keeps_the_originals(emu: Emulator) -> None:
    """Headers given to with_options go with every request of the copy, not the original's."""
    sent: list[httpx.Headers] = []
    with (
        httpx.Client(event_hooks={"request": [lambda r: sent.append(r.headers)]}) as http,
        Generio(emu.api_key, emu.base_url, http_client=http) as client,
    ):
        tagged = client.with_options(headers={"X-Request-Source": "batch-7"})
        tagged.with_options(headers={"X-Other": "b"}).templates.list()
        client.templates.list()
    assert sent[0]["x-request-source"] == "batch-7"
    assert sent[0]["x-other"] == "b"
    assert sent[0]["authorization"].startswith("Bearer ")
    assert "x-request-source" not in sent[1]


def test_copy_has_its_own_retry_budget(emu: Emulator) -> None:
    """max_retries=0 on a copy makes one 500 fatal; the original still retries it."""
    with Generio(emu.api_key, emu.base_url) as client:
        flow = client.flows.create(PROMPT_TEMPLATE, inputs="a chair")
        emu.add_fault("server_error", "get_flow", count=1)
        with pytest.raises(ServerError):
            client.with_options(max_retries=0).flows.get(flow.id)
        emu.add_fault("server_error", "get_flow", count=1)
        assert client.flows.get(flow.id).id == flow.id
    assert [r.operation for r in emu.fault_log] == ["get_flow", "get_flow"]


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_copy_has_its_own_timeout(kind: str, emu: Emulator) -> None:
    """A short timeout on a copy applies to its requests (a slow answer times out)."""
    # Held a minute against the copy's 1 s: it times out whatever the machine's load.
    emu.add_fault("slow", "list_templates", delay=60.0)
    if kind == "sync":
        with Generio(emu.api_key, emu.base_url) as client:
            quick = client.with_options(timeout=1.0, max_retries=0)
            with pytest.raises(APITimeoutError):
                quick.templates.list()
            assert client._http.timeout.read == 30.0
        assert [r.kind.value for r in emu.fault_log] == ["slow"]
        return

    async def scenario() -> None:
        async with AsyncGenerio(emu.api_key, emu.base_url) as client:
            with pytest.raises(APITimeoutError):
                await client.with_options(timeout=1.0, max_retries=0).templates.list()

    anyio.run(scenario)
    assert [r.kind.value for r in emu.fault_log] == ["slow"]


@pytest.mark.parametrize("options", [{"timeout": -1}, {"max_retries": -1}, {"max_retries": True}])
def test_bad_options_are_refused(options: dict[str, object], emu: Emulator) -> None:
    """A bad timeout or retry count in with_options raises ConfigurationError."""
    with Generio(emu.api_key, emu.base_url) as client, pytest.raises(ConfigurationError):
        client.with_options(**options)  # type: ignore[arg-type]


def test_copy_keeps_what_it_is_not_given(emu: Emulator) -> None:
    """with_options keeps the client's timeout and retries for what it is not given (None)."""
    with Generio(emu.api_key, emu.base_url, timeout=7, max_retries=4) as client:
        copy = client.with_options(max_retries=None, headers={"X-Trace": "1"})
        assert copy._state.settings.max_retries == 4
        assert copy._state.settings.timeout == client._state.settings.timeout
        assert client.with_options(timeout=None)._state.settings.timeout is None
        assert client.with_options(max_retries=0)._state.settings.max_retries == 0
