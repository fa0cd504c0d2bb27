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
    headers: Mapping[str, str] | None,
    owner: bool,
) -> dict[str, Any]:
    user = pools.user
    # httpx.Headers: case-insensitive, so ours replace the user client's defaults.
    merged = httpx.Headers(user.headers if user is not None else None)
    merged["User-Agent"] = f"generio-python/{version()}"
    # Only what generio decompresses itself, in bounded pieces (_http/bounded.py).
    merged["Accept-Encoding"] = ACCEPT_ENCODING
    merged.update(headers or {})
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


def _check_user(user: object, kind: type, owner: str, other: str) -> None:
    if user is not None and not isinstance(user, kind):
        raise ConfigurationError(
            f"http_client must be an httpx.{kind.__name__} for {owner}, not "
            f"{type(user).__name__} (the other kind of httpx client goes with {other})."
        )


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


def new_sync_pools(user: httpx.Client | None) -> Pools:
    """Open the pools of a new :class:`Generio`: the user's client, or httpx's own."""
    _check_user(user, httpx.Client, "Generio", "AsyncGenerio")
    return Pools(user)


def new_async_pools(user: httpx.AsyncClient | None) -> AsyncPools:
    """Open the pools of a new :class:`AsyncGenerio` (see :func:`new_sync_pools`)."""
    _check_user(user, httpx.AsyncClient, "AsyncGenerio", "Generio")
    _remember_missing_sniffio()
    return AsyncPools(user)


def build_sync(
    settings: Settings,
    timeout: httpx.Timeout | None,
    pools: Pools,
    *,
    owner: bool,
    headers: Mapping[str, str] | None = None,
) -> tuple[SendingClient, Client]:
    """Build our httpx client and the generated client over it, for :class:`Generio`."""
    http = SendingClient(pools, **_options(settings, timeout, pools, headers, owner))
    return http, _low_level(settings, timeout, http)


def build_async(
    settings: Settings,
    timeout: httpx.Timeout | None,
    pools: AsyncPools,
    *,
    owner: bool,
    headers: Mapping[str, str] | None = None,
) -> tuple[AsyncSendingClient, Client]:
    """Do what :func:`build_sync` does, for :class:`AsyncGenerio`."""
    http = AsyncSendingClient(pools, **_options(settings, timeout, pools, headers, owner))
    return http, _low_level(settings, timeout, http)


def _remember_missing_sniffio() -> None:
    """Make httpcore's per-request ``import sniffio`` instant when sniffio is absent."""
    if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
        sys.modules["sniffio"] = None  # type: ignore[assignment]
