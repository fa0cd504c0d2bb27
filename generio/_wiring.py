"""Building the httpx clients and the generated client a facade client talks through.

Layers, outside in: the generated ``generio_api.Client`` (``client.low_level``), generio's own
httpx client (base URL, :class:`~generio._config.BearerAuth`, timeouts, the response hook
that keeps raw answers for error messages), the retry transport, and the real I/O — either
httpx's own transport, or the user's ``http_client`` through an adapter. The user's client
is never modified: generio only sends through it.

The generated client gets only the side it can use (the sync client for :class:`Generio`,
the async one for :class:`AsyncGenerio`); the other side is a stub that refuses with a
clear message instead of silently sending unauthenticated requests.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx

from generio._bounded import ACCEPT_ENCODING
from generio._config import BearerAuth, NotGiven, Settings, check_timeout
from generio._errors import ConfigurationError
from generio._proxies import Routes, async_routes, sync_routes
from generio._transport import (
    AsyncRetryTransport,
    RetryTransport,
    async_capture_hook,
    capture_hook,
)
from generio._version import __version__

if TYPE_CHECKING:
    from generio_api import Client

__all__ = [
    "build_async",
    "build_sync",
    "effective_timeout",
    "new_async_routes",
    "new_sync_routes",
]

_USER_AGENT = f"generio-python/{__version__}"
# httpx keeps only 20 idle connections; run_many or many threads polling at once would then
# reconnect for most requests. Keep as many idle as may be open.
_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=100)


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
    """Pick the user's client's timeout when none was passed to generio, else ours.

    Raises:
        ConfigurationError: the user's client's timeout has a NaN or infinite part.
    """
    if user is not None and isinstance(timeout, NotGiven):
        return check_timeout(user.timeout, "http_client's timeout")
    return settings.timeout


def _options(settings: Settings, timeout: httpx.Timeout | None, user: Any) -> dict[str, Any]:
    # httpx.Headers: case-insensitive, so ours replace the user client's defaults.
    headers = httpx.Headers(user.headers if user is not None else None)
    headers["User-Agent"] = _USER_AGENT
    # Only what generio decompresses itself, in bounded pieces (_bounded.py).
    headers["Accept-Encoding"] = ACCEPT_ENCODING
    return {
        "base_url": settings.base_url,
        "auth": BearerAuth(settings.api_key),
        "timeout": timeout,
        "headers": headers,
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


def new_sync_routes(user: httpx.Client | None) -> Routes[httpx.BaseTransport]:
    """Open the pools of a new :class:`Generio`: the user's client, or httpx's with proxies."""
    _check_user(user, httpx.Client, "Generio", "AsyncGenerio")
    return sync_routes(_LIMITS, user)


def new_async_routes(user: httpx.AsyncClient | None) -> Routes[httpx.AsyncBaseTransport]:
    """Open the pools of a new :class:`AsyncGenerio`."""
    _check_user(user, httpx.AsyncClient, "AsyncGenerio", "Generio")
    return async_routes(_LIMITS, user)


def build_sync(
    settings: Settings,
    timeout: httpx.Timeout | None,
    user: httpx.Client | None,
    *,
    routes: Routes[httpx.BaseTransport] | None = None,
    headers: Mapping[str, str] | None = None,
) -> tuple[httpx.Client, Client]:
    """Build our httpx client and the generated client over it, for :class:`Generio`.

    Args:
        settings: the checked settings.
        timeout: the timeout of every request.
        user: the user's own httpx client, or None.
        routes: the pools to send through (``_proxies.py``); None: new ones, with the
            environment's proxies unless ``user`` is given.
        headers: extra headers of every request (``with_options``).

    Raises:
        ConfigurationError: ``user`` is not an ``httpx.Client``.
    """
    _check_user(user, httpx.Client, "Generio", "AsyncGenerio")
    routes = routes if routes is not None else sync_routes(_LIMITS, user)
    http = httpx.Client(
        **_options(settings, timeout, user),
        **routes.client_options(
            lambda t: RetryTransport(t, settings.max_retries, settings.max_response_bytes)
        ),
        event_hooks={"response": [capture_hook]},
    )
    http.headers.update(headers or {})
    return http, _low_level(settings, timeout, http)


def _remember_missing_sniffio() -> None:
    """Make httpcore's per-request ``import sniffio`` instant when sniffio is absent.

    httpcore imports sniffio on every async request to learn the event loop; recent anyio
    no longer installs it, and a failing import searches ``sys.path`` again each time
    (~0.1 ms: most of a batch's client CPU under ``run_many``). A ``None`` entry in
    ``sys.modules`` is Python's own way to record "not importable"; when sniffio is
    installed this does nothing.
    """
    if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
        sys.modules["sniffio"] = None  # type: ignore[assignment]


def build_async(
    settings: Settings,
    timeout: httpx.Timeout | None,
    user: httpx.AsyncClient | None,
    *,
    routes: Routes[httpx.AsyncBaseTransport] | None = None,
    headers: Mapping[str, str] | None = None,
) -> tuple[httpx.AsyncClient, Client]:
    """Do what :func:`build_sync` does, for :class:`AsyncGenerio`.

    Raises:
        ConfigurationError: ``user`` is not an ``httpx.AsyncClient``.
    """
    _check_user(user, httpx.AsyncClient, "AsyncGenerio", "Generio")
    _remember_missing_sniffio()
    routes = routes if routes is not None else async_routes(_LIMITS, user)
    http = httpx.AsyncClient(
        **_options(settings, timeout, user),
        **routes.client_options(
            lambda t: AsyncRetryTransport(t, settings.max_retries, settings.max_response_bytes)
        ),
        event_hooks={"response": [async_capture_hook]},
    )
    http.headers.update(headers or {})
    return http, _low_level(settings, timeout, http)
