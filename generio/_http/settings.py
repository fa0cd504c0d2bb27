"""Client settings: resolved once, checked once, and never shown with the key."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Generator, Mapping
from typing import Any, Final

import attrs
import httpx

from generio._errors import ConfigurationError, check_count
from generio._http.policy import NO_DELAYS_ENV, SET_BY_ENVIRONMENT
from generio._secret import Secret

DEFAULT_BASE_URL: Final = "https://flows.generio.ai"
#: The generated client waits forever by default; a stuck connection must not hang a script.
DEFAULT_TIMEOUT: Final = httpx.Timeout(30.0, connect=10.0)
#: Largest JSON answer without a model, decompressed. The largest generio accepts is a page
#: of 10,000 flows: 4.3 MiB at 451 bytes a realistic entry; 8 MiB leaves ~400 more bytes a
#: flow for ``additional``. Stops gzip bombs and endless bodies (``bench_hostile.py``).
DEFAULT_MAX_RESPONSE_BYTES: Final = 8 * 1024 * 1024
#: Largest model one output may be: a downloaded file, a stream, or an answer carrying it
#: inline (``output()``, ``outputs(include_data=True)``, ``run()`` without ``out_dir``).
DEFAULT_MAX_DOWNLOAD_BYTES: Final = 1024 * 1024 * 1024
#: Longest one output's download may take, in seconds (1 GiB at under 1 MB/s).
DEFAULT_DOWNLOAD_TIMEOUT: Final = 1800.0
ENV_API_KEY: Final = "GENERIO_API_KEY"
ENV_BASE_URL: Final = "GENERIO_BASE_URL"
_BYTES = " number of bytes"


class NotGiven:
    """The type of :data:`NOT_GIVEN`: "use the default", distinct from an explicit None."""

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __bool__(self) -> bool:
        return False


#: The default of a ``timeout=`` left out. Typed ``Any`` so that public signatures state
#: only what a caller may pass (``float | httpx.Timeout | None``), and checkers' messages
#: name no private type; code that receives it tests ``isinstance(value, NotGiven)``.
NOT_GIVEN: Final[Any] = NotGiven()


class BearerAuth(httpx.Auth):
    """Adds ``Authorization: Bearer <key>`` to each request; its repr hides the key."""

    def __init__(self, api_key: Secret) -> None:
        self.__key = api_key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = "Bearer " + self.__key.reveal()
        yield request

    def __repr__(self) -> str:
        return "BearerAuth(api_key='***')"


@attrs.frozen
class Settings:
    """What a client was configured with, after defaults and checks."""

    api_key: Secret = attrs.field(repr=False)
    base_url: str
    timeout: httpx.Timeout | None
    max_retries: int
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    max_download_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES
    download_timeout: float | None = DEFAULT_DOWNLOAD_TIMEOUT


def _is_loopback(host: str) -> bool:
    host = host.lower()
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host in {"localhost", "localhost.localdomain"} or host.endswith(".localhost")


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
    if parsed.query or parsed.fragment:  # every path goes after it: ?x=1/flows is no URL
        raise ConfigurationError(
            f"base_url {url!r} must not carry a query or a fragment (after '?' or '#'): "
            "give the service's root, such as https://host/v1."
        )
    if SET_BY_ENVIRONMENT and not _is_loopback(parsed.host):
        raise ConfigurationError(
            f"{NO_DELAYS_ENV} is set, which turns off every retry backoff and polls flows "
            f"back to back: that is for tests against a local emulator, and base_url {url!r} "
            f"is not on this machine. Unset {NO_DELAYS_ENV} (or point base_url at the "
            "emulator on 127.0.0.1)."
        )
    if parsed.scheme == "http" and not _is_loopback(parsed.host) and not allow_insecure:
        raise ConfigurationError(
            f"base_url {url!r} is plain http on a non-loopback host: the API key would "
            "travel unencrypted. Use https, or pass allow_insecure=True if this is on purpose "
            "(a trusted private network)."
        )
    return url


def _env(environ: Mapping[str, str] | None, name: str) -> str | None:
    # Read in a frame of its own: a frame that can raise must not hold os.environ (its
    # repr, shown by a traceback with locals, would carry the key).
    return (os.environ if environ is None else environ).get(name)


def _check_key(api_key: Secret | None) -> Secret:
    # Every message is said without the value: an error message must never carry the key.
    if api_key is not None and api_key.wrong_type is not None:
        hint = " (decode it first)" if api_key.wrong_type in {"bytes", "bytearray"} else ""
        raise ConfigurationError(
            f"api_key must be a str, not {api_key.wrong_type}{hint}; pass the key as "
            f"text or set ${ENV_API_KEY}."
        )
    key = None if api_key is None else api_key.stripped()
    problem = None if key is None else key.problem()
    if key is None or problem == "empty":
        raise ConfigurationError(
            f"no API key: pass api_key= to the client or set ${ENV_API_KEY}. "
            "Keys are created in your GENERIO account."
        )
    if problem is not None:
        raise ConfigurationError(
            "the API key contains spaces or control characters; copy it again from your "
            "GENERIO account."
        )
    return key


#: The longest timeout taken (about 31 years): a socket refuses 1e10 s (OverflowError).
MAX_SECONDS = 1_000_000_000.0


def _seconds(value: object) -> float | None:
    """Return a positive number of seconds up to ``MAX_SECONDS``; None when it is not one."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        seconds = float(value)
    except OverflowError:  # an int too large for a float
        return None
    return seconds if 0 < seconds <= MAX_SECONDS else None


def check_timeout(
    timeout: float | httpx.Timeout | NotGiven | None, name: str = "timeout"
) -> httpx.Timeout | None:
    """Return the timeout as an ``httpx.Timeout`` (or None), checked part by part."""
    if isinstance(timeout, NotGiven):
        return DEFAULT_TIMEOUT
    if timeout is None:
        return timeout
    if isinstance(timeout, httpx.Timeout):
        for part in ("connect", "read", "write", "pool"):
            _seconds_or_none(f"{name}'s {part}", getattr(timeout, part))
        return timeout
    seconds = _seconds(timeout)
    if seconds is None:
        raise ConfigurationError(
            f"{name} must be a positive number of seconds (at most 1e9), an "
            f"httpx.Timeout or None, not {timeout!r} (NaN and infinity are not; None waits "
            "forever)."
        )
    return httpx.Timeout(seconds, connect=min(seconds, 10.0))


def _seconds_or_none(name: str, value: object) -> float | None:
    if value is None:
        return None
    seconds = _seconds(value)
    if seconds is None:
        raise ConfigurationError(
            f"{name} must be a positive, finite number of seconds (at most 1e9) or None, "
            f"not {value!r}."
        )
    return seconds


def resolve_settings(
    api_key: Secret | str | None,
    base_url: str | None,
    *,
    timeout: float | httpx.Timeout | NotGiven | None,
    max_retries: int,
    allow_insecure: bool,
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    max_download_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES,
    download_timeout: float | None = DEFAULT_DOWNLOAD_TIMEOUT,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Combine arguments, environment and defaults into checked :class:`Settings`."""
    key = _check_key(Secret.wrap(api_key if api_key is not None else _env(environ, ENV_API_KEY)))
    if base_url is None:
        base_url = _env(environ, ENV_BASE_URL) or DEFAULT_BASE_URL
    url = _check_base_url(base_url, allow_insecure)
    return Settings(
        api_key=key,
        base_url=url,
        timeout=check_timeout(timeout),
        max_retries=check_count("max_retries", max_retries, 0),
        max_response_bytes=check_count("max_response_bytes", max_response_bytes, 1, _BYTES),
        max_download_bytes=check_count("max_download_bytes", max_download_bytes, 1, _BYTES),
        download_timeout=_seconds_or_none("download_timeout", download_timeout),
    )
