"""Building the httpx client and the generated client a facade client talks through."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx

from generio._errors import ConfigurationError
from generio._http.bounded import ACCEPT_ENCODING, Limit
from generio._http.pools import AsyncPools, Pools
from generio._http.sending import AsyncSendingClient, Refusing, SendingClient
from generio._http.settings import BearerAuth, NotGiven, Settings, check_timeout
from generio._version import version

if TYPE_CHECKING:
    from generio_api import Client


def effective_timeout(
    settings: Settings, timeout: object, user: httpx.Client | httpx.AsyncClient | None
) -> httpx.Timeout | None:
    """Pick the user's client's timeout when none was passed to generio, else ours."""
    if user is not None and isinstance(timeout, NotGiven):
        return check_timeout(user.timeout, "http_client's timeout")
    return settings.timeout


def open_pools(user: httpx.Client | httpx.AsyncClient | None, asynchronous: bool) -> Any:
    """Open a new client's pools: over the user's httpx client, or httpx's own."""
    if asynchronous and (user is None or isinstance(user, httpx.AsyncClient)):
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


def _wrong_side(use: str) -> Refusing:
    """Return the transport of the low-level client's unused side: it names the right one."""
    message = f"this low-level client is wired for {use} calls only."
    return Refusing(functools.partial(ConfigurationError, message))


def build(
    settings: Settings,
    timeout: httpx.Timeout | None,
    pools: Pools | AsyncPools,
    *,
    owner: bool,
    headers: Mapping[str, str],
) -> tuple[SendingClient | AsyncSendingClient, Client]:
    """Build our httpx client and the generated client over it, on the pools' side."""
    from generio_api import Client

    # httpx.Headers: case-insensitive, so ours replace the user client's defaults.
    merged = httpx.Headers(pools.user.headers if pools.user is not None else None)
    merged["User-Agent"] = f"generio-python/{version()}"
    # Only what generio decompresses itself, in bounded pieces (_http/bounded.py).
    merged["Accept-Encoding"] = ACCEPT_ENCODING
    merged.update(headers)
    options: dict[str, Any] = {
        "owner": owner,
        "max_retries": settings.max_retries,
        "limit": Limit(settings.max_response_bytes, "max_response_bytes"),
        "base_url": settings.base_url,
        "auth": BearerAuth(settings.api_key),
        "timeout": timeout,
        "headers": merged,
        "cookies": pools.jar,  # shared with the pools, which keep the answers' cookies
        "follow_redirects": False,  # a redirect must not carry the key to another host
    }
    low = Client(base_url=settings.base_url, timeout=timeout)
    # The generated client gets an httpx client of its own over the same pools: its
    # with_timeout()/with_headers() change that one in place, and `with low:` closes it,
    # neither touching the facade's (closing the facade still ends both: the pools close).
    mine = {**options, "owner": False}
    if isinstance(pools, AsyncPools):
        twin = AsyncSendingClient(pools, **mine)
        low.set_async_httpx_client(twin)
        low.set_httpx_client(httpx.Client(transport=_wrong_side("async (AsyncGenerio)")))
        return AsyncSendingClient(pools, twin=twin, **options), low
    sync_twin = SendingClient(pools, **mine)
    low.set_httpx_client(sync_twin)
    low.set_async_httpx_client(httpx.AsyncClient(transport=_wrong_side("sync (Generio)")))
    return SendingClient(pools, twin=sync_twin, **options), low
