"""The connections a client sends through: httpx's own, the proxies of the environment, or yours.

httpx reads ``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY`` and ``NO_PROXY`` (``trust_env``)
only when it builds its own transport. generio gives its httpx client a transport of its own
(the retry transport), so it resolves the environment the same way httpx does
(``httpx._utils.get_environment_proxies``, with ``urllib``'s fallback if that ever moves) and
mounts one proxy transport per pattern. Each mount, like the default route, is wrapped in
the retry transport: a request sent through a proxy is retried exactly like a direct one.

:class:`Routes` holds the unwrapped transports (the connection pools). A client and the
copies :meth:`~generio.Generio.with_options` makes share them: the copies borrow the pools
and never close them; the client that built them closes them.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

import attrs
import httpx

__all__ = ["AsyncBorrowed", "Borrowed", "Routes", "environment_proxies"]

T = TypeVar("T", httpx.BaseTransport, httpx.AsyncBaseTransport)


def environment_proxies() -> dict[str, str | None]:
    """Return httpx's reading of the proxy variables: URL pattern -> proxy URL (None: direct)."""
    try:
        from httpx._utils import get_environment_proxies
    except ImportError:  # pragma: no cover - httpx moved it; read the variables as urllib does
        return _urllib_proxies()
    found: dict[str, str | None] = get_environment_proxies()
    return found


def _urllib_proxies() -> dict[str, str | None]:
    info = urllib.request.getproxies()
    mounts: dict[str, str | None] = {}
    for scheme in ("http", "https", "all"):
        if info.get(scheme):
            url = info[scheme]
            mounts[f"{scheme}://"] = url if "://" in url else f"http://{url}"
    for host in (h.strip() for h in info.get("no", "").split(",")):
        if host == "*":
            return {}
        if host:
            mounts[host if "://" in host else f"all://*{host}"] = None
    return mounts


@attrs.frozen
class Routes(Generic[T]):
    """The pools a client sends through, unwrapped: one default, one per proxy pattern.

    Attributes:
        default: the transport of requests no proxy pattern matches.
        proxies: URL pattern -> proxy transport, or None for "direct" (``NO_PROXY``).
    """

    default: T
    proxies: Mapping[str, T | None] = attrs.field(factory=dict)

    def client_options(self, wrap: Callable[[T], T]) -> dict[str, Any]:
        """Return ``transport=`` and ``mounts=`` for an httpx client, each wrapped by ``wrap``."""
        mounts = {p: None if t is None else wrap(t) for p, t in self.proxies.items()}
        return {"transport": wrap(self.default), "mounts": mounts}

    def borrowed(self, lend: Callable[[T], T]) -> Routes[T]:
        """Return these routes with every transport lent (closing the copy leaves them open)."""
        return Routes(
            lend(self.default),
            {p: None if t is None else lend(t) for p, t in self.proxies.items()},
        )


def sync_routes(limits: httpx.Limits, user: httpx.Client | None) -> Routes[httpx.BaseTransport]:
    """Routes of :class:`~generio.Generio`: the user's client, or httpx's with env proxies."""
    from generio._http.retrying import ClientTransport

    if user is not None:
        return Routes(ClientTransport(user))
    proxies: dict[str, httpx.BaseTransport | None] = {
        pattern: None if url is None else httpx.HTTPTransport(limits=limits, proxy=httpx.Proxy(url))
        for pattern, url in environment_proxies().items()
    }
    from generio._http.shards import Shards, shard_limits, shared_tls

    shard, tls = shard_limits(limits), shared_tls()
    return Routes(Shards(lambda: httpx.HTTPTransport(verify=tls, limits=shard)), proxies)


def async_routes(
    limits: httpx.Limits, user: httpx.AsyncClient | None
) -> Routes[httpx.AsyncBaseTransport]:
    """Do what :func:`sync_routes` does, for :class:`~generio.AsyncGenerio`."""
    from generio._http.retrying import AsyncClientTransport

    if user is not None:
        return Routes(AsyncClientTransport(user))
    proxies: dict[str, httpx.AsyncBaseTransport | None] = {
        pattern: None
        if url is None
        else httpx.AsyncHTTPTransport(limits=limits, proxy=httpx.Proxy(url))
        for pattern, url in environment_proxies().items()
    }
    from generio._http.shards import AsyncShards, shard_limits, shared_tls

    shard, tls = shard_limits(limits), shared_tls()
    return Routes(AsyncShards(lambda: httpx.AsyncHTTPTransport(verify=tls, limits=shard)), proxies)


class Borrowed(httpx.BaseTransport):
    """A transport lent to a :meth:`with_options` copy: sends through it, never closes it."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self._inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send through the lender's transport."""
        return self._inner.handle_request(request)

    def close(self) -> None:
        """Leave the pool open: the client that built it closes it."""


class AsyncBorrowed(httpx.AsyncBaseTransport):
    """The async :class:`Borrowed`."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send through the lender's transport."""
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        """Leave the pool open: the client that built it closes it."""
