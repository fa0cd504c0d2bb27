"""Building the httpx client and the generated client a facade client talks through."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx

from generio._errors import ConfigurationError
from generio._http.bounded import ACCEPT_ENCODING
from generio._http.pools import AsyncPools, Pools
from generio._http.sending import AsyncSendingClient, SendingClient
from generio._http.settings import BearerAuth, NotGiven, Settings, check_timeout
from generio._version import version

if TYPE_CHECKING:
    from generio_api import Client


class _WrongSide(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """The transport of the low-level client's unused side: says which client to use."""

    def __init__(self, use: str) -> None:
        self._use = use

    def _refuse(self) -> httpx.Response:
        raise ConfigurationError(f"this low-level client is wired for {self._use} calls only.")

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Refuse."""
        return self._refuse()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Refuse."""
        return self._refuse()


def effective_timeout(
    settings: Settings, timeout: object, user: httpx.Client | httpx.AsyncClient | None
) -> httpx.Timeout | None:
    """Pick the user's client's timeout when none was passed to generio, else ours."""
    if user is not None and isinstance(timeout, NotGiven):
        return check_timeout(user.timeout, "http_client's timeout")
    return settings.timeout


def _options(
    settings: Settings,
    timeout: httpx.Timeout | None,
    pools: Pools | AsyncPools,
    headers: Mapping[str, str],
    owner: bool,
) -> dict[str, Any]:
    user = pools.user
    # httpx.Headers: case-insensitive, so ours replace the user client's defaults.
    merged = httpx.Headers(user.headers if user is not None else None)
    merged["User-Agent"] = f"generio-python/{version()}"
    # Only what generio decompresses itself, in bounded pieces (_http/bounded.py).
    merged["Accept-Encoding"] = ACCEPT_ENCODING
    merged.update(headers)
    return {
        "owner": owner,
        "max_retries": settings.max_retries,
        "max_response_bytes": settings.max_response_bytes,
        "base_url": settings.base_url,
        "auth": BearerAuth(settings.api_key),
        "timeout": timeout,
        "headers": merged,
        "cookies": pools.jar,  # shared with the pools, which keep the answers' cookies
        "follow_redirects": False,  # a redirect must not carry the key to another host
    }


def _low_level(
    settings: Settings, timeout: httpx.Timeout | None, http: httpx.Client | httpx.AsyncClient
) -> Client:
    from generio_api import Client

    low = Client(base_url=settings.base_url, timeout=timeout)
    if isinstance(http, httpx.Client):
        low.set_httpx_client(http)
        low.set_async_httpx_client(httpx.AsyncClient(transport=_WrongSide("sync (Generio)")))
    else:
        low.set_async_httpx_client(http)
        low.set_httpx_client(httpx.Client(transport=_WrongSide("async (AsyncGenerio)")))
    return low


def open_pools(user: httpx.Client | httpx.AsyncClient | None, asynchronous: bool) -> Any:
    """Open a new client's pools: over the user's httpx client, or httpx's own."""
    if asynchronous and (user is None or isinstance(user, httpx.AsyncClient)):
        _remember_missing_sniffio()
        return AsyncPools(user)
    if not asynchronous and (user is None or isinstance(user, httpx.Client)):
        return Pools(user)
    kind, mine, other = (
        ("Async", "AsyncGenerio", "Generio") if asynchronous else ("", "Generio", "AsyncGenerio")
    )
    raise ConfigurationError(
        f"http_client must be an httpx.{kind}Client for {mine}, not "
        f"{type(user).__name__} (the other kind of httpx client goes with {other})."
    )


def build(
    settings: Settings,
    timeout: httpx.Timeout | None,
    pools: Pools | AsyncPools,
    *,
    owner: bool,
    headers: Mapping[str, str],
) -> tuple[SendingClient | AsyncSendingClient, Client]:
    """Build our httpx client and the generated client over it, on the pools' side."""
    options = _options(settings, timeout, pools, headers, owner)
    http = (
        AsyncSendingClient(pools, **options)
        if isinstance(pools, AsyncPools)
        else SendingClient(pools, **options)
    )
    return http, _low_level(settings, timeout, http)


def _remember_missing_sniffio() -> None:
    """Make httpcore's per-request ``import sniffio`` instant when sniffio is absent."""
    if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
        sys.modules["sniffio"] = None  # type: ignore[assignment]
