"""The plain httpx clients every request goes through: httpx picks the proxy, we pick the pool.

Plain httpx clients, so httpx reads the proxy variables and certificates as for any
application; several small pools, as httpcore walks every connection per request.
"""

from __future__ import annotations

import os
import threading
import urllib.request
from collections.abc import Callable
from http.cookiejar import CookieJar
from typing import Generic, TypeVar

import httpx

from generio._errors import ClientClosedError, ConfigurationError
from generio._http.forksafe import fresh_lock, renew_after_fork
from generio._secret import proxy_secrets, redact_credentials

C = TypeVar("C", httpx.Client, httpx.AsyncClient)

#: How many pools share the connections.
SHARDS = 25
#: Connections open at once, over all pools. A web app that streams models holds one per
#: reader: with the former 100, a thread-pool app serving more readers than that stalled for
#: good (its handlers, waiting for a connection, held the threads the streams read in).
MAX_CONNECTIONS = 1000
#: Connections kept idle for reuse, over all pools: a batch's 200 jobs poll at once.
MAX_IDLE = 200
#: The parent's pools in a forked child: kept referenced so nothing closes their sockets.
_SET_ASIDE: list[object] = []
_VARIABLES = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY")
#: What httpx raises for a proxy it cannot use.
_REFUSED = (httpx.InvalidURL, ValueError, TypeError, ImportError)


def shard_limits() -> httpx.Limits:
    """Return one pool's share of the connections, open and idle (httpx keeps 20 idle)."""
    return httpx.Limits(
        max_connections=MAX_CONNECTIONS // SHARDS, max_keepalive_connections=MAX_IDLE // SHARDS
    )


def _refusal(exc: BaseException) -> ConfigurationError:
    """Name the proxy variable httpx could not use (each is tried alone), hiding credentials."""
    culprit, value = "the proxy variables", ""
    for name, url in [(name, os.environ[name]) for name in _VARIABLES if os.environ.get(name)]:
        try:  # no connection is made: only whether httpx accepts the proxy
            proxy = httpx.Proxy(url if "://" in url else f"http://{url}")
            httpx.HTTPTransport(verify=False, proxy=proxy)
        except _REFUSED:
            culprit, value = name, url
            break
    shown = f" ({redact_credentials(value)!r})" if value else ""
    return ConfigurationError(
        f"{culprit}{shown} is not a proxy httpx can use: {redact_credentials(str(exc))}. "
        "What to do: fix the variable (such as http://user:password@proxy.example:3128), "
        "or unset it for a direct connection."
    )


class _Load:
    """Requests in flight per pool; the least busy pool takes the next request."""

    def __init__(self, size: int) -> None:
        self.busy = [0] * size
        self.lock = threading.Lock()

    def take(self) -> int:
        with self.lock:
            index = self.busy.index(min(self.busy))
            self.busy[index] += 1
            return index

    def give(self, index: int) -> None:
        with self.lock:
            self.busy[index] -= 1


class _Pools(Generic[C]):
    """Pools of class ``kind`` made on first use (or the user's one client), shared by copies."""

    def __init__(self, user: C | None, kind: type[C], name: str) -> None:
        self._kind = name
        #: Your own client, the only pool; None when generio makes them.
        self.user: C | None = user
        #: The cookies the pools keep from answers, which the sending clients send back.
        self.jar = user.cookies.jar if user is not None else CookieJar()
        self._make: Callable[[], C] | None = None if user is not None else _maker(kind, self.jar)
        self.closed = False
        self._clients: list[C | None] = [user] if user is not None else [None] * SHARDS
        self._load = _Load(len(self._clients))
        self._lock = threading.Lock()
        # The credentials of the environment's proxies, hidden while they live.
        proxies = urllib.request.getproxies_environment().values() if user is None else ()
        self._secrets = tuple(secret for url in proxies for secret in proxy_secrets(url))
        if user is None:  # one pool at once: a proxy variable httpx refuses fails here
            self._clients[0] = self._new()
        renew_after_fork(self)

    def _new(self) -> C:
        assert self._make is not None  # noqa: S101 - only made pools are None
        try:
            return self._make()
        except _REFUSED as exc:  # a proxy variable httpx refuses
            raise _refusal(exc) from None

    def after_fork(self) -> None:
        """In a forked child: set the parent's pools aside; new ones are made on first use."""
        self._lock = fresh_lock(self._lock)
        self._load = _Load(len(self._clients))  # the parent's requests are not this process's
        if self._make is not None:
            _SET_ASIDE.append(self._clients)
            self._clients = [None] * len(self._clients)

    def take(self) -> tuple[C, int]:
        """Return the least busy pool and its number (give it back with :meth:`give`)."""
        if self.closed:
            raise ClientClosedError(self._kind)
        index = self._load.take()
        client = self._clients[index]
        if client is None:
            try:
                with self._lock:
                    client = self._clients[index]
                    if client is None:
                        client = self._clients[index] = self._new()
            except BaseException:
                self._load.give(index)
                raise
        return client, index

    def give(self, index: int) -> None:
        """Count a request of pool ``index`` as ended (its response closed)."""
        self._load.give(index)

    def close_all(self) -> list[C]:
        """Mark the pools closed; return those this process made, to close."""
        with self._lock:
            self.closed = True
            return [c for c in self._clients if c is not None and c is not self.user]


class Pools(_Pools[httpx.Client]):
    """The pools of a :class:`~generio.Generio` and its copies."""

    def __init__(self, user: httpx.Client | None) -> None:
        super().__init__(user, httpx.Client, "Generio")

    def close(self) -> None:
        """Close the pools this process made (never yours)."""
        for client in self.close_all():
            client.close()


class AsyncPools(_Pools[httpx.AsyncClient]):
    """The pools of an :class:`~generio.AsyncGenerio` and its copies (see :class:`Pools`)."""

    def __init__(self, user: httpx.AsyncClient | None) -> None:
        super().__init__(user, httpx.AsyncClient, "AsyncGenerio")

    def _new(self) -> httpx.AsyncClient:
        """Make a pool that speaks asyncio directly (:mod:`generio._http.native`)."""
        from generio._http.native import install  # imports httpcore: only when pools are made

        return install(super()._new())

    async def aclose(self) -> None:
        """Close the pools this process made (never yours)."""
        for client in self.close_all():
            await client.aclose()


#: The headers from which a cookie jar learns anything (``http.cookiejar`` reads no other).
_SETTERS = (b"set-cookie", b"set-cookie2")


class _Cookies(httpx.Cookies):
    """The pools' cookies: an answer that sets none is not handed to the jar.

    httpx hands every answer to the jar, wrapping it and its request in ``urllib`` objects
    first (about 40 us an answer here); the jar would find nothing to keep.
    """

    def extract_cookies(self, response: httpx.Response) -> None:
        """Keep the cookies ``response`` sets, if it sets any."""
        for key, _ in response.headers.raw:
            if key.lower() in _SETTERS:
                super().extract_cookies(response)
                return


def _maker(kind: type[C], jar: CookieJar) -> Callable[[], C]:
    """Return what makes one plain pool: httpx's defaults, one TLS context, a shard's limits."""
    try:
        tls = httpx.create_ssl_context()  # as httpx makes it (certifi, SSL_CERT_FILE...), once
    except OSError as exc:  # ssl.SSLError too: a missing or unreadable certificates file
        names = [
            f"{n}={os.environ[n]!r}" for n in ("SSL_CERT_FILE", "SSL_CERT_DIR") if n in os.environ
        ]
        raise ConfigurationError(
            f"the TLS certificates could not be loaded ({' and '.join(names) or 'certifi'}): "
            f"{exc}. What to do: point the variable at a PEM file of CA certificates, or "
            "unset it to use certifi's."
        ) from None
    limits = shard_limits()

    def make() -> C:
        client = kind(verify=tls, limits=limits, cookies=jar)
        if getattr(client, "_cookies", None) is client.cookies:  # httpx's, as in 0.24-0.28
            client._cookies = _Cookies(jar)  # no public way to choose the class
        return client

    return make
