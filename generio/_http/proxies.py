"""The connections a client sends through: httpx's own, the proxies of the environment, or yours.

httpx reads ``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY`` and ``NO_PROXY`` (``trust_env``)
only when it builds its own transport. generio gives its httpx client a transport of its own
(the retry transport), so it resolves the environment the same way httpx does
(``httpx._utils.get_environment_proxies``, with ``urllib``'s fallback if that ever moves) and
mounts one proxy transport per pattern. Each mount, like the default route, is wrapped in
the retry transport: a request sent through a proxy is retried exactly like a direct one.

:class:`Routes` holds the unwrapped transports (the connection pools). A client and the
copies :meth:`~generio.Generio.with_options` makes share them: the copies borrow the pools
and never close them; the client that built them closes them, and from then on a borrowed
pool refuses every request with :class:`~generio.ClientClosedError` (a copy shares its
original's fate, and opens no socket the original's ``close()`` would not close).

Each pool is a :class:`~generio._http.forksafe.ForkSafe` transport: a forked child builds
its own. A proxy variable httpx cannot use (a malformed URL, an unknown scheme, SOCKS
without ``socksio``) is a :class:`~generio.ConfigurationError` naming the variable, and a
proxy's credentials are hidden from every text generio writes (``secret.proxy_secrets``).
"""

from __future__ import annotations

import urllib.request
from collections.abc import Callable, Mapping
from typing import Any, Generic, Protocol, TypeVar

import attrs
import httpx

from generio._errors import ClientClosedError, ConfigurationError
from generio._http.forksafe import AsyncForkSafe, ForkSafe
from generio._secret import Secret, proxy_secrets, redact_credentials

__all__ = [
    "AsyncBorrowed",
    "Borrowed",
    "Lender",
    "Routes",
    "async_routes",
    "environment_proxies",
    "sync_routes",
]

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
        secrets: the proxies' credentials, hidden from every text while the routes live.
    """

    default: T
    proxies: Mapping[str, T | None] = attrs.field(factory=dict)
    secrets: tuple[Secret, ...] = ()

    def client_options(self, wrap: Callable[[T], T]) -> dict[str, Any]:
        """Return ``transport=`` and ``mounts=`` for an httpx client, each wrapped by ``wrap``."""
        mounts = {p: None if t is None else wrap(t) for p, t in self.proxies.items()}
        return {"transport": wrap(self.default), "mounts": mounts}

    def borrowed(self, lend: Callable[[T], T]) -> Routes[T]:
        """Return these routes with every transport lent (closing the copy leaves them open)."""
        return Routes(
            lend(self.default),
            {p: None if t is None else lend(t) for p, t in self.proxies.items()},
            self.secrets,
        )


_VARIABLES = {"http://": "HTTP_PROXY", "https://": "HTTPS_PROXY", "all://": "ALL_PROXY"}


def _proxy_routes(build: Callable[[str], T]) -> tuple[dict[str, T | None], tuple[Secret, ...]]:
    """Build one transport per proxy pattern of the environment, each checked.

    Raises:
        ConfigurationError: a proxy variable httpx cannot use.
    """
    routes: dict[str, T | None] = {}
    secrets: tuple[Secret, ...] = ()
    for pattern, url in environment_proxies().items():
        if url is None:
            routes[pattern] = None
            continue
        secrets += proxy_secrets(url)
        try:
            routes[pattern] = build(url)
        except (httpx.InvalidURL, ValueError, TypeError, ImportError) as exc:
            variable = _VARIABLES.get(pattern, "the proxy variables")
            raise ConfigurationError(
                f"{variable} ({redact_credentials(url)!r}) is not a proxy httpx can use: "
                f"{redact_credentials(str(exc))}. What to do: fix the variable (such as "
                "http://user:password@proxy.example:3128), or unset it for a direct "
                "connection."
            ) from None
    return routes, secrets


def sync_routes(limits: httpx.Limits, user: httpx.Client | None) -> Routes[httpx.BaseTransport]:
    """Routes of :class:`~generio.Generio`: the user's client, or httpx's with env proxies.

    Raises:
        ConfigurationError: a proxy variable httpx cannot use.
    """
    from generio._http.retrying import ClientTransport

    if user is not None:
        return Routes(ClientTransport(user))

    def proxied(url: str) -> httpx.BaseTransport:
        proxy = httpx.Proxy(url)
        return ForkSafe(lambda: httpx.HTTPTransport(limits=limits, proxy=proxy))

    proxies, secrets = _proxy_routes(proxied)
    from generio._http.shards import Shards, shard_limits, shared_tls

    shard, tls = shard_limits(limits), shared_tls()
    direct = ForkSafe(lambda: Shards(lambda: httpx.HTTPTransport(verify=tls, limits=shard)))
    return Routes(direct, proxies, secrets)


def async_routes(
    limits: httpx.Limits, user: httpx.AsyncClient | None
) -> Routes[httpx.AsyncBaseTransport]:
    """Do what :func:`sync_routes` does, for :class:`~generio.AsyncGenerio`."""
    from generio._http.retrying import AsyncClientTransport

    if user is not None:
        return Routes(AsyncClientTransport(user))

    def proxied(url: str) -> httpx.AsyncBaseTransport:
        proxy = httpx.Proxy(url)
        return AsyncForkSafe(lambda: httpx.AsyncHTTPTransport(limits=limits, proxy=proxy))

    proxies, secrets = _proxy_routes(proxied)
    from generio._http.shards import AsyncShards, shard_limits, shared_tls

    shard, tls = shard_limits(limits), shared_tls()
    direct = AsyncForkSafe(
        lambda: AsyncShards(lambda: httpx.AsyncHTTPTransport(verify=tls, limits=shard))
    )
    return Routes(direct, proxies, secrets)


class Lender(Protocol):
    """What a borrowed transport asks of the client that lent it."""

    @property
    def closed(self) -> bool:
        """Whether the lender closed its pools."""


def _refuse(lender: Lender, kind: str) -> None:
    if lender.closed:
        raise ClientClosedError(kind)


class Borrowed(httpx.BaseTransport):
    """A transport lent to a :meth:`with_options` copy: sends through it, never closes it.

    Once the lender closed its pools, every request is refused: the copy shares its fate.
    """

    def __init__(self, inner: httpx.BaseTransport, lender: Lender) -> None:
        self._inner = inner
        self._lender = lender

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send through the lender's transport.

        Raises:
            ClientClosedError: the lender was closed.
        """
        _refuse(self._lender, "Generio")
        return self._inner.handle_request(request)

    def close(self) -> None:
        """Leave the pool open: the client that built it closes it."""


class AsyncBorrowed(httpx.AsyncBaseTransport):
    """The async :class:`Borrowed`."""

    def __init__(self, inner: httpx.AsyncBaseTransport, lender: Lender) -> None:
        self._inner = inner
        self._lender = lender

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send through the lender's transport.

        Raises:
            ClientClosedError: the lender was closed.
        """
        _refuse(self._lender, "AsyncGenerio")
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        """Leave the pool open: the client that built it closes it."""
