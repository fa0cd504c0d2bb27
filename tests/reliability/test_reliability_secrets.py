"""The API key stays secret: no log file, repr or error shows it; plain http needs an opt-in.

The bad-input table checks every error path's exception text and log records; these tests
add what a user's own setup does with them: a DEBUG log written to a file, reprs printed
while debugging, and the refusal to send the key unencrypted.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest

from generio import AsyncGenerio, ConfigurationError, Generio, GenerioError
from generio.testing import Emulator, Fault, sample_glb
from tests.helpers.reliability import (
    OPTIMIZE_TEMPLATE,
    PROMPT_TEMPLATE,
    REQUEST_FAULTS,
    WATCHED_LOGGERS,
    files_containing,
)

KEY = "sk-live-secret-e3a09f5d71"


@pytest.fixture
def debug_log_file(tmp_path: Path) -> Iterator[Path]:
    """Write every record of the root, generio, httpx and httpcore loggers to a file."""
    path = tmp_path / "debug.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s | args=%(args)r")
    )
    loggers = [logging.getLogger(), *(logging.getLogger(name) for name in WATCHED_LOGGERS)]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    logging.getLogger().addHandler(handler)
    yield path
    logging.getLogger().removeHandler(handler)
    handler.close()
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


def test_debug_log_file_and_outputs_never_hold_the_key(
    tmp_path: Path, debug_log_file: Path
) -> None:
    """A DEBUG log of runs through every fault, and errors, holds no key; nor do outputs."""
    with Emulator(api_key=KEY, flow_seconds=0.05, seed=7) as emu:
        for fault in REQUEST_FAULTS:
            for operation in ("create_flow", "get_flow", "list_outputs", "get_output"):
                emu.add_fault(
                    Fault(fault.kind, operation, 1.0, 1, 1, fault.http_date, 30.0, fault.state)
                )
        errors: list[BaseException] = []
        # A slow answer (held 30 s) always outlasts the 1 s timeout; no other answer does.
        with Generio(KEY, emu.base_url, timeout=1.0, max_retries=15) as client:
            for index in range(4):
                client.run(PROMPT_TEMPLATE, f"a chair {index}", out_dir=tmp_path / "out")
            client.run(OPTIMIZE_TEMPLATE, sample_glb(), out_dir=tmp_path / "out")
            emu.clear_faults()
            emu.add_fault("fail_flow", "create_flow", count=1)
            for act in (
                lambda: client.run(OPTIMIZE_TEMPLATE, sample_glb()),
                lambda: client.flows.get("6b0000000000000000000000"),
                lambda: client.run("model_nope", "x"),
            ):
                try:
                    act()
                except GenerioError as exc:
                    errors.append(exc)
        with Generio("sk-wrong-" + KEY[-6:], emu.base_url) as wrong:
            try:
                wrong.templates.list()
            except GenerioError as exc:
                errors.append(exc)
        assert len(emu.fault_log) >= 36
    assert len(errors) == 4
    for error in errors:
        logging.getLogger("app").exception("failed", exc_info=error)
        assert KEY not in "".join(traceback.format_exception(error))
    assert "GET /flows" in debug_log_file.read_text()
    assert files_containing(tmp_path, KEY) == []


def _close(client: Generio | AsyncGenerio) -> None:
    if isinstance(client, AsyncGenerio):
        anyio.run(client.aclose)
    else:
        client.close()


@pytest.mark.parametrize("cls", [Generio, AsyncGenerio])
def test_reprs_never_show_the_key(cls: type[Generio]) -> None:
    """Client, settings, auth, low-level client and httpx client reprs hold no key."""
    client = cls(KEY, "https://flows.example")
    texts = [
        repr(client),
        str(client),
        repr(client._state.settings),
        repr(client._http.auth),
        repr(client._http),
        repr(client.low_level),
        repr(client._http.headers),
    ]
    _close(client)
    assert not [text for text in texts if KEY in text]


@pytest.mark.parametrize("cls", [Generio, AsyncGenerio])
@pytest.mark.parametrize(
    "url", ["http://flows.example.com", "http://10.1.2.3:8000", "http://[2001:db8::1]"]
)
def test_plain_http_to_another_host_needs_opt_in(cls: type[Generio], url: str) -> None:
    """Plain http off the machine is refused unless allow_insecure=True; loopback needs none."""
    with pytest.raises(ConfigurationError, match=r"plain http.*allow_insecure=True") as caught:
        cls(KEY, url)
    assert KEY not in str(caught.value)
    allowed = cls(KEY, url, allow_insecure=True)
    assert allowed.base_url == url
    _close(allowed)
    for loopback in ("http://127.0.0.1:8765", "http://localhost:8765", "http://[::1]:8765"):
        local = cls(KEY, loopback)
        assert local.base_url == loopback
        _close(local)


def test_the_key_is_held_in_a_redacted_wrapper() -> None:
    """Settings hold a Secret: redacted repr/str, no pickling, unwrapped only by the auth."""
    import pickle

    from generio._secret import Secret

    client = Generio(KEY, "https://flows.example")
    secret = client._state.settings.api_key
    _close(client)
    assert isinstance(secret, Secret)
    assert repr(secret) == str(secret) == "Secret('***')"
    assert f"{secret}" == "Secret('***')"
    assert secret.reveal() == KEY
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(secret)


def test_escaped_forms_of_the_key_are_hidden() -> None:
    """URL-quoted (either case), HTML- and JSON-escaped echoes all become ***."""
    import html
    import json
    from urllib.parse import quote, quote_plus

    from generio._secret import Secret, hide_secrets

    raw = "sk-live+9f/8e&7d<6c>'5b\"4a é"
    secret = Secret(raw)
    forms = [
        raw,
        quote(raw, safe=""),
        quote(raw, safe="").lower(),
        quote(raw),
        quote_plus(raw),
        html.escape(raw),
        html.escape(raw, quote=False),
        json.dumps(raw)[1:-1],
        json.dumps(raw)[1:-1].replace("/", "\\/"),
        json.dumps(raw, ensure_ascii=False)[1:-1],
    ]
    for form in forms:
        assert hide_secrets(f"<p>key={form};</p>") == "<p>key=***;</p>", form
    short = Secret("short")
    assert hide_secrets("short") == "short"  # too short to tell from a word
    assert secret.forms()
    assert not short.forms()


# A transport function compiled under a library's file name, holding the request's
# Authorization header in a local when the connection breaks, as httpcore's frames do
# (its h11 ``Request`` event carries the headers). Frames of tests are skipped by the
# locals scan, so the frame must look like a library's.
_LIBRARY_FRAME = """
import httpx

def send(request):
    header_line = b"Authorization: " + request.headers["authorization"].encode()
    raise httpx.WriteError("connection reset while sending the headers")
"""


@pytest.mark.parametrize("cls", [Generio, AsyncGenerio])
def test_connection_error_hides_the_key_held_by_library_frames(cls: type[Generio]) -> None:
    """The causes of a connection error lose their frames: no local shows the key."""
    import httpx

    from tests.helpers.reliability import locals_texts

    namespace: dict[str, object] = {}
    exec(compile(_LIBRARY_FRAME, "/usr/lib/site-packages/httpcore/_send.py", "exec"), namespace)  # noqa: S102 - our own source
    transport = httpx.MockTransport(namespace["send"])  # type: ignore[arg-type]
    errors: list[BaseException] = []
    if cls is Generio:
        with (
            httpx.Client(transport=transport) as user,
            Generio(KEY, "https://flows.example", http_client=user, max_retries=0) as client,
        ):
            try:
                client.flows.get("f1")
            except GenerioError as exc:
                errors.append(exc)
    else:

        async def run() -> None:
            async with (
                httpx.AsyncClient(transport=transport) as user,
                AsyncGenerio(KEY, "https://flows.example", http_client=user, max_retries=0) as c,
            ):
                try:
                    await c.flows.get("f1")
                except GenerioError as exc:
                    errors.append(exc)

        anyio.run(run)
    (error,) = errors
    assert "WriteError" in str(error)
    assert isinstance(error.__cause__, httpx.WriteError)
    assert not [text for text in locals_texts(error) if KEY in text]
