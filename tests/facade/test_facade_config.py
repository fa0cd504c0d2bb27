"""Client settings, the user's http_client, low_level, logging, and the key's secrecy."""

from __future__ import annotations

import logging
from pathlib import Path

import anyio
import httpx
import pytest
from generio_api.api.templates import list_templates

from generio import (
    AsyncGenerio,
    AuthenticationError,
    ClientClosedError,
    ConfigurationError,
    Generio,
    GenerioError,
)
from generio.testing import Emulator
from tests.helpers.facade import FLOW_JSON, KEY, PROMPT_TEMPLATE


@pytest.fixture
def no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Clear generio's environment variables."""
    monkeypatch.delenv("GENERIO_API_KEY", raising=False)
    monkeypatch.delenv("GENERIO_BASE_URL", raising=False)


@pytest.mark.usefixtures("no_env")
def test_no_key_anywhere() -> None:
    """No key passed and none in the environment is a ConfigurationError saying where."""
    with pytest.raises(ConfigurationError, match=r"api_key=.*\$GENERIO_API_KEY"):
        Generio()
    with pytest.raises(ConfigurationError, match="GENERIO_API_KEY"):
        AsyncGenerio(api_key="  ")


@pytest.mark.usefixtures("no_env")
def test_environment_and_default_url(monkeypatch: pytest.MonkeyPatch) -> None:
    """The key and URL come from the environment; the URL defaults to production."""
    monkeypatch.setenv("GENERIO_API_KEY", KEY)
    with Generio() as client:
        assert client.base_url == "https://flows.generio.ai"
    monkeypatch.setenv("GENERIO_BASE_URL", "https://test-flows.generio.ai/")
    with Generio() as client:
        assert client.base_url == "https://test-flows.generio.ai"


@pytest.mark.parametrize("url", ["http://flows.example.com", "http://10.0.0.5:8000"])
def test_insecure_url_refused(url: str) -> None:
    """Plain http to a non-loopback host needs allow_insecure=True, and says so."""
    with pytest.raises(ConfigurationError, match=r"allow_insecure=True"):
        Generio(KEY, url)
    with Generio(KEY, url, allow_insecure=True) as client:
        assert client.base_url == url


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000", "http://localhost", "http://[::1]:80"])
def test_loopback_http_allowed(url: str) -> None:
    """Plain http to a loopback address (the emulator) needs no opt-in, and is used as is."""
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(str(request.url))
        return httpx.Response(200, json={"templates": []})

    http = httpx.Client(transport=httpx.MockTransport(handler))
    with Generio(KEY, url, http_client=http) as client:
        assert client.base_url == url
        assert client.templates.list() == []
    base = httpx.URL(url)
    got = [httpx.URL(u) for u in sent]
    assert [(u.scheme, u.host, u.port, u.path) for u in got] == [
        ("http", base.host, base.port, "/templates")
    ]


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"base_url": "ftp://x"}, "http"),
        ({"timeout": -1}, "timeout"),
        ({"max_retries": -1}, "max_retries"),
        ({"api_key": "two words"}, "spaces"),
        ({"base_url": "https://user:pw@x.example"}, "credentials"),
    ],
)
def test_bad_settings(kwargs: dict[str, object], words: str) -> None:
    """Malformed settings fail at construction with a message naming the setting."""
    arguments: dict[str, object] = {"api_key": KEY, **kwargs}
    with pytest.raises(ConfigurationError, match=words) as caught:
        Generio(**arguments)  # type: ignore[arg-type]
    assert "two words" not in str(caught.value)


def test_default_timeout_is_finite() -> None:
    """The default timeout is 30 s (10 s to connect), not the generator's none."""
    with Generio(KEY) as client:
        assert client._http.timeout == httpx.Timeout(30, connect=10)
    with Generio(KEY, timeout=5) as client:
        assert client._http.timeout.read == 5


def test_key_never_shown(emu: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    """The key appears in no repr, str, log line (generio, httpx, httpcore) or error."""
    caplog.set_level(logging.DEBUG)
    for name in ("generio", "httpx", "httpcore"):
        caplog.set_level(logging.DEBUG, logger=name)
    emu.add_fault("bad_gateway", "list_templates", count=1)
    with Generio(emu.api_key, emu.base_url) as client:
        client.templates.list()
        client.run(PROMPT_TEMPLATE, "a chair")
        texts = [repr(client), str(client), repr(client.low_level), repr(client._http.auth)]
        texts.append(repr(client._state.settings))
    with Generio(KEY, emu.base_url) as wrong, pytest.raises(AuthenticationError) as caught:
        wrong.flows.list()
    texts += [str(caught.value), repr(caught.value), caplog.text]
    assert "GET /templates -> 502" in caplog.text
    assert "retrying GET /templates" in caplog.text
    for text in texts:
        assert emu.api_key not in text
        assert KEY not in text
    assert repr(client) == f"Generio(base_url={emu.base_url!r})"


def test_user_http_client_used_not_modified(emu: Emulator) -> None:
    """A user's httpx.Client carries the requests and is left as it was, and open."""
    seen: list[httpx.Request] = []
    user = httpx.Client(headers={"X-Trace": "t1"}, event_hooks={"request": [seen.append]})
    before = (dict(user.headers), user.auth, user.timeout)
    with Generio(emu.api_key, emu.base_url, http_client=user) as client:
        client.templates.list()
    assert seen[0].headers["x-trace"] == "t1"
    assert seen[0].headers["authorization"] == f"Bearer {emu.api_key}"
    assert (dict(user.headers), user.auth, user.timeout) == before
    assert not user.is_closed
    user.close()


def test_user_http_client_kind_checked() -> None:
    """An async httpx client for the sync client (and the reverse) is refused."""
    with pytest.raises(ConfigurationError, match="AsyncGenerio"):
        Generio(KEY, http_client=httpx.AsyncClient())  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="Generio"):
        AsyncGenerio(KEY, http_client=httpx.Client())  # type: ignore[arg-type]


def test_low_level_is_wired(emu: Emulator) -> None:
    """client.low_level sends with the key and gets the retries."""
    emu.add_fault("bad_gateway", "list_templates", count=1)
    with Generio(emu.api_key, emu.base_url) as client:
        parsed = list_templates.sync(client=client.low_level)
        assert parsed is not None
        assert len(parsed.templates) == 3  # type: ignore[union-attr]
        with pytest.raises(GenerioError, match="sync"):
            anyio.run(lambda: list_templates.asyncio(client=client.low_level))


def test_low_level_changes_and_with_block_leave_the_facade_alone(emu: Emulator) -> None:
    """low_level's with_timeout() and `with` block touch only the low-level client.

    The generated client changes its httpx client in place and closes it on leaving a
    `with` block (its documented use): the facade's requests and life stay as they were.
    """
    with Generio(emu.api_key, emu.base_url, timeout=5, max_retries=0) as client:
        client.low_level.with_timeout(httpx.Timeout(0.05))
        client.low_level.with_headers({"X-Debug": "1"})
        emu.add_fault("slow", "list_templates", count=1, delay=0.3)
        assert len(client.templates.list()) == 3  # the facade's 5 s, not the 0.05 s
        with client.low_level as low:
            assert list_templates.sync(client=low) is not None
        assert len(client.templates.list()) == 3
        assert client.flows.list() == []
    # Closing the facade ends the low-level client too, with the facade's error.
    with pytest.raises(ClientClosedError, match="this Generio is closed"):
        client.low_level.get_httpx_client().get("/templates")


def test_async_low_level_with_block_leaves_the_facade_alone(emu: Emulator) -> None:
    """AsyncGenerio: `async with client.low_level` closes the low-level client only."""

    async def main() -> None:
        async with AsyncGenerio(emu.api_key, emu.base_url) as client:
            async with client.low_level as low:
                assert await list_templates.asyncio(client=low) is not None
            assert len(await client.templates.list()) == 3
        with pytest.raises(ClientClosedError, match="this AsyncGenerio is closed"):
            await client.low_level.get_async_httpx_client().get("/templates")

    anyio.run(main)


def test_async_low_level_is_wired(emu: Emulator) -> None:
    """AsyncGenerio.low_level works with the generated asyncio functions."""

    async def main() -> int:
        async with AsyncGenerio(emu.api_key, emu.base_url) as client:
            parsed = await list_templates.asyncio(client=client.low_level)
            return len(parsed.templates)  # type: ignore[union-attr]

    assert anyio.run(main) == 3


def test_request_log_lines(caplog: pytest.LogCaptureFixture) -> None:
    """Each attempt logs method, path, status, time and attempt at DEBUG on 'generio'."""
    caplog.set_level(logging.DEBUG, logger="generio")

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=FLOW_JSON)

    http = httpx.Client(transport=httpx.MockTransport(handler))
    with Generio(KEY, "https://flows.example", http_client=http) as client:
        client.flows.get("f1")
    (record,) = [r for r in caplog.records if r.name == "generio"]
    assert record.levelno == logging.DEBUG
    assert "GET /flows/f1 -> 200 in" in record.getMessage()
    assert "(attempt 1)" in record.getMessage()


@pytest.mark.parametrize("content", [None, b"not a certificate\n"], ids=["missing", "garbage"])
def test_unusable_ssl_cert_file_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, content: bytes | None
) -> None:
    """SSL_CERT_FILE naming no file (or no certificate): ConfigurationError naming it.

    httpx's bare FileNotFoundError named no file, and the CLI took it for a write failure.
    """
    bundle = tmp_path / "ca.pem"
    if content is not None:
        bundle.write_bytes(content)
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    try:
        httpx.create_ssl_context()
    except OSError:
        pass
    else:  # older httpx skips a variable naming no file: certifi's are used, nothing fails
        Generio(KEY).close()
        return
    with pytest.raises(ConfigurationError, match="SSL_CERT_FILE=") as caught:
        Generio(KEY)
    assert str(bundle) in str(caught.value)
    assert "What to do" in str(caught.value)
