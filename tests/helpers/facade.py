"""Helpers of the facade's tests: a blocking view of the async client, small payloads."""

from __future__ import annotations

import contextlib
import functools
import inspect
from collections.abc import Callable, Iterator
from typing import Any

import anyio.from_thread
import httpx
from anyio.from_thread import BlockingPortal

from generio import AsyncGenerio, Generio
from generio.testing import Emulator

#: Flow duration for the emulator in these tests: short, but long enough to poll twice.
FLOW_SECONDS = 0.2
KEY = "sk-secret-test-key-7f3a9c"
PROMPT_TEMPLATE = "model_generate_fromprompt"
IMAGE_TEMPLATE = "model_generate_fromimage"
OPTIMIZE_TEMPLATE = "model_optimize"


class Blocking:
    """Calls an async object's coroutine methods through a portal, as if they blocked.

    ``client.flows`` and ``client.templates`` come back wrapped too, so a test written for
    ``Generio`` runs unchanged against ``AsyncGenerio``.
    """

    def __init__(self, target: Any, portal: BlockingPortal) -> None:
        self._target = target
        self._portal = portal

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        if name in ("flows", "templates"):
            return Blocking(attr, self._portal)
        if inspect.iscoroutinefunction(attr):
            return functools.partial(self._call, attr)
        return attr

    def _call(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return self._portal.call(functools.partial(method, *args, **kwargs))

    def __repr__(self) -> str:
        return repr(self._target)

    def __enter__(self) -> Blocking:
        return self

    def __exit__(self, *exc: object) -> None:
        self._portal.call(self._target.aclose)


def mock_client(handler: Callable[[httpx.Request], httpx.Response], **kwargs: Any) -> Generio:
    """Build a blocking client whose requests go to ``handler`` (through generio's retries)."""
    http = httpx.Client(transport=httpx.MockTransport(handler))
    return Generio(KEY, MOCK_URL, http_client=http, **kwargs)


MOCK_URL = "https://flows.example"
#: Builds a client of one kind over a transport: ``make(transport, **client_kwargs)``.
MockFactory = Callable[..., Generio]


FLOW_JSON: dict[str, Any] = {
    "flow_id": "f1",
    "template": PROMPT_TEMPLATE,
    "parameters": {"quality": "high", "seed": -1, "texture": True},
    "additional": None,
    "state": "running",
    "progress": 0.5,
    "created_at": "2026-01-01T00:00:00.000000Z",
    "started_at": "2026-01-01T00:00:00.000000Z",
    "finished_at": None,
}


async def _make_async(api_key: str, base_url: str, options: dict[str, Any]) -> AsyncGenerio:
    return AsyncGenerio(api_key, base_url, **options)


@contextlib.contextmanager
def either_client(kind: str, emu: Emulator, **options: Any) -> Iterator[Generio]:
    """Open a ``Generio`` (kind "sync") or a blocking view of an ``AsyncGenerio``.

    ``options`` go to the client's constructor (``download_timeout=``, ...; ``base_url=``
    points it at a server in front of the emulator).
    """
    url = options.pop("base_url", emu.base_url)
    with client_at(kind, emu.api_key, url, **options) as client:
        yield client


@contextlib.contextmanager
def client_at(kind: str, api_key: str, base_url: str, **options: Any) -> Iterator[Generio]:
    """Open a client of ``kind`` ("sync", "async": a blocking view) on any server."""
    if kind == "sync":
        with Generio(api_key, base_url, **options) as client:
            yield client
        return
    with anyio.from_thread.start_blocking_portal("asyncio") as portal:
        aclient = portal.call(_make_async, api_key, base_url, options)
        try:
            yield Blocking(aclient, portal)  # type: ignore[misc]
        finally:
            portal.call(aclient.aclose)
