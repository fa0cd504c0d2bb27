"""Client settings: resolved once, checked once, and never shown with the key.

A client is built from arguments first, then ``$GENERIO_API_KEY`` / ``$GENERIO_BASE_URL``,
then defaults. Everything that cannot work is refused here, before any request, with a
:class:`~generio.ConfigurationError` that says how to fix it.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Generator, Mapping
from typing import Final

import attrs
import httpx

from generio._errors import ConfigurationError

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_TIMEOUT",
    "NOT_GIVEN",
    "BearerAuth",
    "NotGiven",
    "Settings",
    "resolve_settings",
]

DEFAULT_BASE_URL: Final = "https://flows.generio.ai"
#: The generated client waits forever by default; a stuck connection must not hang a script.
DEFAULT_TIMEOUT: Final = httpx.Timeout(30.0, connect=10.0)
ENV_API_KEY: Final = "GENERIO_API_KEY"
ENV_BASE_URL: Final = "GENERIO_BASE_URL"


class NotGiven:
    """The type of :data:`NOT_GIVEN`: "use the default", distinct from an explicit None."""

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __bool__(self) -> bool:
        return False


NOT_GIVEN: Final = NotGiven()


class BearerAuth(httpx.Auth):
    """Adds ``Authorization: Bearer <key>`` to each request; its repr hides the key.

    Auth lives on the httpx client rather than in default headers so that no repr, log line
    or error built from a client ever carries the key.
    """

    def __init__(self, api_key: str) -> None:
        self.__key = api_key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Set the header on the request and send it once."""
        request.headers["Authorization"] = f"Bearer {self.__key}"
        yield request

    def __repr__(self) -> str:
        return "BearerAuth(api_key='***')"


@attrs.frozen
class Settings:
    """What a client was configured with, after defaults and checks.

    Attributes:
        api_key: the API key (never part of the repr).
        base_url: the service's URL, without a trailing slash.
        timeout: per-request timeouts; None waits forever (only when asked for explicitly).
        max_retries: extra attempts per logical call.
    """

    api_key: str = attrs.field(repr=False)
    base_url: str
    timeout: httpx.Timeout | None
    max_retries: int


def _is_loopback(host: str) -> bool:
    if host.lower() in {"localhost", "localhost.localdomain"} or host.lower().endswith(
        ".localhost"
    ):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _check_base_url(base_url: str, allow_insecure: bool) -> str:
    url = base_url.strip().rstrip("/")
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise ConfigurationError(f"base_url {url!r} is not a URL: {exc}") from None
    if parsed.scheme not in {"http", "https"} or not parsed.host:
        raise ConfigurationError(
            f"base_url {url!r} must be an http(s) URL with a host, "
            f"such as {DEFAULT_BASE_URL!r} (argument base_url or ${ENV_BASE_URL})."
        )
    if parsed.username or parsed.password:
        raise ConfigurationError(
            "base_url must not carry credentials; pass the key as api_key= instead."
        )
    if parsed.scheme == "http" and not _is_loopback(parsed.host) and not allow_insecure:
        raise ConfigurationError(
            f"base_url {url!r} is plain http on a non-loopback host: the API key would "
            "travel unencrypted. Use https, or pass allow_insecure=True if this is on purpose "
            "(a trusted private network)."
        )
    return url


def _check_key(api_key: str | None) -> str:
    if api_key is not None and not isinstance(api_key, str):
        # Said without the value: an error message must never carry the key.
        hint = " (decode it first)" if isinstance(api_key, bytes | bytearray) else ""
        raise ConfigurationError(
            f"api_key must be a str, not {type(api_key).__name__}{hint}; pass the key as "
            f"text or set ${ENV_API_KEY}."
        )
    if api_key is None or not api_key.strip():
        raise ConfigurationError(
            f"no API key: pass api_key= to the client or set ${ENV_API_KEY}. "
            "Keys are created in your GENERIO account."
        )
    key = api_key.strip()
    if any(not ch.isprintable() or ch.isspace() for ch in key):
        # Said without the key: an error message must never carry it.
        raise ConfigurationError(
            "the API key contains spaces or control characters; copy it again from your "
            "GENERIO account."
        )
    return key


def _check_timeout(timeout: float | httpx.Timeout | NotGiven | None) -> httpx.Timeout | None:
    if isinstance(timeout, NotGiven):
        return DEFAULT_TIMEOUT
    if timeout is None or isinstance(timeout, httpx.Timeout):
        return timeout
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise ConfigurationError(
            f"timeout must be a positive number of seconds, an httpx.Timeout or None, "
            f"not {timeout!r}."
        )
    return httpx.Timeout(float(timeout), connect=min(float(timeout), 10.0))


def resolve_settings(
    api_key: str | None,
    base_url: str | None,
    *,
    timeout: float | httpx.Timeout | NotGiven | None,
    max_retries: int,
    allow_insecure: bool,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Combine arguments, environment and defaults into checked :class:`Settings`.

    Args:
        api_key: the key, or None for ``$GENERIO_API_KEY``.
        base_url: the service URL, or None for ``$GENERIO_BASE_URL`` or the production URL.
        timeout: seconds or an ``httpx.Timeout``; :data:`NOT_GIVEN` for the default; None
            for no timeout at all.
        max_retries: extra attempts per logical call (0 disables retries).
        allow_insecure: accept plain http on a non-loopback host.
        environ: the environment to read (``os.environ`` when None).

    Raises:
        ConfigurationError: no key, a malformed or insecure URL, a bad timeout or retry count.
    """
    env = os.environ if environ is None else environ
    key = _check_key(api_key if api_key is not None else env.get(ENV_API_KEY))
    url = _check_base_url(
        base_url if base_url is not None else env.get(ENV_BASE_URL) or DEFAULT_BASE_URL,
        allow_insecure,
    )
    if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
        raise ConfigurationError(f"max_retries must be an integer >= 0, not {max_retries!r}.")
    return Settings(
        api_key=key, base_url=url, timeout=_check_timeout(timeout), max_retries=max_retries
    )
