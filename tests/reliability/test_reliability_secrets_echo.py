"""No secret in any text generio writes, against servers and proxies that echo the request.

An echoing service quotes the ``Authorization`` header back (in a field the tolerant reader
warns about, in a JSON error, in an escaped HTML page); an echoing proxy refuses with a
page quoting ``Proxy-Authorization: Basic ...``. With ``GENERIO_LOG=debug`` on, neither
the key nor the proxy's password (raw, ``user:password``, or base64) may appear in an
error's message, ``body``, ``detail``, ``headers``, notes or traceback, a warning, or a
log line of any level: in this process and in a child that sets the variable before import.
"""

from __future__ import annotations

import base64
import io
import logging
import os
import subprocess
import sys
import textwrap
import traceback
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import anyio
import pytest

from generio import AsyncGenerio, ConfigurationError, Generio, GenerioError
from generio._degrade import forget_degradations
from generio._logswitch import configure_from_environment
from tests.helpers.echo_servers import EchoProxy, EchoServer

KEY = "sk-live-echo-9b8c7d6e5f4a3b2c"
PROXY_USER = "proxyuser"
PROXY_PASSWORD = "proxy-pw-5678-secret"
PAIR = f"{PROXY_USER}:{PROXY_PASSWORD}"
SECRETS = (KEY, PROXY_PASSWORD, PAIR, base64.b64encode(PAIR.encode()).decode())
_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


def _leaks(texts: list[str]) -> list[str]:
    return [t for t in texts if any(secret in t for secret in SECRETS)]


def _texts_of(error: BaseException) -> list[str]:
    texts = [str(error), repr(error), repr(error.args), "".join(traceback.format_exception(error))]
    for name in ("body", "detail", "headers", "message", "__notes__"):
        texts.append(repr(getattr(error, name, None)))
    return texts


@pytest.fixture
def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Clear every proxy variable."""
    for name in _VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.fixture
def debug_log(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], list[str]]]:
    """Turn GENERIO_LOG=debug on (its stderr handler) and record every logger at DEBUG."""
    records: list[str] = []
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())
            records.append(repr(record.args))

    keep = Keep(logging.DEBUG)
    root = logging.getLogger()
    old_level = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(keep)
    handler = configure_from_environment({"GENERIO_LOG": "debug"})
    assert handler is not None
    forget_degradations()
    try:
        yield lambda: [*records, stderr.getvalue()]
    finally:
        logging.getLogger("generio").removeHandler(handler)
        logging.getLogger("generio").setLevel(logging.NOTSET)
        root.removeHandler(keep)
        root.setLevel(old_level)


def _sync_calls(client: Generio) -> list[BaseException]:
    errors: list[BaseException] = []
    for act in (
        lambda: client.flows.get("warn"),
        lambda: client.flows.get("html"),
        lambda: client.flows.get("other"),
        lambda: client.templates.list(),
    ):
        try:
            act()
        except GenerioError as exc:
            errors.append(exc)
    return errors


async def _async_calls(client: AsyncGenerio) -> list[BaseException]:
    errors: list[BaseException] = []
    for name in ("warn", "html", "other"):
        try:
            await client.flows.get(name)
        except GenerioError as exc:
            errors.append(exc)
    try:
        await client.templates.list()
    except GenerioError as exc:
        errors.append(exc)
    return errors


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_echoing_server_at_debug(
    kind: str, no_proxy_env: None, debug_log: Callable[[], list[str]]
) -> None:
    """The key echoed raw, escaped, quoted, as a date: hidden from errors, warnings and logs."""
    with EchoServer() as server, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if kind == "sync":
            with Generio(KEY, server.url, max_retries=1) as client:
                errors = _sync_calls(client)
        else:

            async def scenario() -> list[BaseException]:
                async with AsyncGenerio(KEY, server.url, max_retries=1) as client:
                    return await _async_calls(client)

            errors = anyio.run(scenario)
    assert len(errors) == 3  # html (502), other (400), templates (400); "warn" succeeded
    logged = debug_log()
    assert any("created_at" in line and "no date-time" in line for line in logged)
    assert any("***" in text for error in errors for text in _texts_of(error))
    texts = [t for error in errors for t in _texts_of(error)]
    assert _leaks(texts) == []
    assert _leaks(logged) == []
    assert _leaks([str(w.message) for w in caught]) == []


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_echoing_proxy_with_credentials_at_debug(
    kind: str,
    no_proxy_env: None,
    monkeypatch: pytest.MonkeyPatch,
    debug_log: Callable[[], list[str]],
) -> None:
    """A proxy page quoting Proxy-Authorization: the proxy's password hidden everywhere."""
    with EchoProxy() as proxy, EchoServer() as server:
        host = proxy.url.removeprefix("http://")
        monkeypatch.setenv("HTTP_PROXY", f"http://{PAIR}@{host}")
        if kind == "sync":
            with Generio(KEY, server.url, max_retries=0) as client:
                errors = _sync_calls(client)
        else:

            async def scenario() -> list[BaseException]:
                async with AsyncGenerio(KEY, server.url, max_retries=0) as client:
                    return await _async_calls(client)

            errors = anyio.run(scenario)
    assert len(errors) == 4
    bodies = [getattr(e, "body", "") for e in errors]
    assert all("Proxy-Authorization: ***" in body for body in bodies), bodies
    texts = [t for error in errors for t in _texts_of(error)]
    assert _leaks(texts) == []
    assert _leaks(debug_log()) == []


_CHILD = textwrap.dedent(
    """
    import traceback
    from generio import Generio, GenerioError

    import sys
    api_key, base_url = sys.argv[1:3]
    with Generio(api_key, base_url, max_retries=1) as client:
        for name in ("warn", "html", "other"):
            try:
                client.flows.get(name)
            except GenerioError as exc:
                print(repr(exc), getattr(exc, "body", ""), getattr(exc, "headers", ""))
                traceback.print_exception(exc)
    """
)


def test_child_process_with_generio_log_debug_and_a_proxy(no_proxy_env: None) -> None:
    """GENERIO_LOG=debug set before import, HTTP_PROXY with credentials: no secret in output."""
    with EchoProxy() as proxy, EchoServer() as server:
        env = {
            **os.environ,
            "GENERIO_LOG": "debug",
            "HTTP_PROXY": f"http://{PAIR}@{proxy.url.removeprefix('http://')}",
        }
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, KEY, server.url],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
    output = done.stdout + done.stderr
    assert "GET /flows/warn" in output  # the debug log was on
    assert "Proxy-Authorization: ***" in output
    assert _leaks([output]) == []


@pytest.mark.parametrize("cls", [Generio, AsyncGenerio])
@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("HTTPS_PROXY", f"http://{PAIR}@[::1"),
        ("HTTP_PROXY", f"ftp://{PAIR}@proxy.example:21"),
        ("ALL_PROXY", f"http://{PAIR}@proxy.example:notaport"),
        ("HTTPS_PROXY", f"socks5://{PAIR}@proxy.example:1080"),
    ],
)
def test_malformed_proxy_setting_is_a_configuration_error(
    cls: type[Any], variable: str, value: str, no_proxy_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A proxy variable httpx cannot use: ConfigurationError naming it, credentials hidden."""
    if value.startswith("socks5") and _has_socksio():
        pytest.skip("socksio is installed: a SOCKS proxy is usable")
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError) as caught:
        cls(KEY, "https://flows.example")
    text = str(caught.value)
    assert variable in text
    assert "unset it" in text
    assert _leaks(_texts_of(caught.value)) == []


def _has_socksio() -> bool:
    try:
        import socksio  # noqa: F401
    except ImportError:
        return False
    return True
