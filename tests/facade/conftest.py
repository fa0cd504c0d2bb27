"""Fixtures of the facade's tests: the emulator, clients of both kinds, zero delays.

Scenarios that make sense for both clients take the ``client`` fixture, parametrized over
``Generio`` and ``AsyncGenerio``; the async one is driven through an anyio blocking portal,
so one test body exercises both code paths over real loopback HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator

import anyio.from_thread
import httpx
import pytest
from facade_helpers import FLOW_SECONDS, KEY, MOCK_URL, Blocking, MockFactory, either_client

from generio import AsyncGenerio, Generio
from generio._http.policy import set_delays_disabled
from generio.testing import Emulator


@pytest.fixture
def anyio_backend() -> str:
    """Run ``@pytest.mark.anyio`` tests on asyncio."""
    return "asyncio"


@pytest.fixture(autouse=True)
def _no_delays() -> Iterator[None]:
    """Zero every retry and poll delay: the suite never sleeps through backoff."""
    previous = set_delays_disabled(True)
    yield
    set_delays_disabled(previous)


@pytest.fixture
def emu(generio_emulator: Emulator) -> Emulator:
    """Use the plugin's session emulator, reset, with short flows."""
    generio_emulator.flow_seconds = FLOW_SECONDS
    return generio_emulator


@pytest.fixture
def sync_client(emu: Emulator) -> Iterator[Generio]:
    """Open a blocking client on the emulator."""
    with Generio(emu.api_key, emu.base_url) as client:
        yield client


@pytest.fixture(params=["sync", "async"])
def client(request: pytest.FixtureRequest, emu: Emulator) -> Iterator[Generio]:
    """Open a client of each kind on the emulator, both used with blocking calls."""
    with either_client(request.param, emu) as client:
        yield client


@pytest.fixture(params=["sync", "async"])
def make_client(request: pytest.FixtureRequest) -> Iterator[MockFactory]:
    """Build clients of each kind over a given transport (MockTransport or a stub)."""
    if request.param == "sync":

        def make_sync(transport: httpx.BaseTransport, **kwargs: object) -> Generio:
            http = httpx.Client(transport=transport)
            return Generio(KEY, MOCK_URL, http_client=http, **kwargs)  # type: ignore[arg-type]

        yield make_sync
        return
    with anyio.from_thread.start_blocking_portal("asyncio") as portal:

        def make_async(transport: httpx.AsyncBaseTransport, **kwargs: object) -> Generio:
            async def build() -> AsyncGenerio:
                http = httpx.AsyncClient(transport=transport)
                return AsyncGenerio(KEY, MOCK_URL, http_client=http, **kwargs)  # type: ignore[arg-type]

            return Blocking(portal.call(build), portal)  # type: ignore[return-value]

        yield make_async
