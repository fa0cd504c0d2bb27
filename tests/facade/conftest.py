"""Fixtures of the facade's tests: flow length, and clients of both kinds over a transport.

The emulator, ``client`` (parametrized over ``Generio`` and ``AsyncGenerio``, the async one
driven through an anyio blocking portal) and zero delays come from ``tests/conftest.py``.
"""

from __future__ import annotations

from collections.abc import Iterator

import anyio.from_thread
import httpx
import pytest

from generio import AsyncGenerio, Generio
from tests.helpers.facade import FLOW_SECONDS, KEY, MOCK_URL, Blocking, MockFactory


@pytest.fixture
def flow_seconds() -> float:
    """Flows short, but long enough to poll twice."""
    return FLOW_SECONDS


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
