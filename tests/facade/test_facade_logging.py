"""``GENERIO_LOG``: generio's log on stderr without code, never showing the key."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from generio.testing import Emulator
from tests.helpers.facade import PROMPT_TEMPLATE

_SCRIPT = f"""
import generio
with generio.Generio() as client:
    result = client.run({PROMPT_TEMPLATE!r}, "a chair")
    print(result.flow.state)
"""


def _run(emu: Emulator, level: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("GENERIO_LOG",)}
    env.update(GENERIO_API_KEY=emu.api_key, GENERIO_BASE_URL=emu.base_url)
    if level is not None:
        env["GENERIO_LOG"] = level
    return subprocess.run(
        [sys.executable, "-c", _SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


def test_debug_logs_requests_and_retries_without_the_key(emu: Emulator) -> None:
    """GENERIO_LOG=debug prints each request and retry to stderr; the key never appears."""
    emu.add_fault("server_error", "get_flow", count=1)
    done = _run(emu, "debug")
    assert done.stdout.strip() == "completed"
    assert "generio DEBUG POST /flows -> 200" in done.stderr
    assert "retrying GET /flows/" in done.stderr
    assert "generio INFO flow " in done.stderr
    assert emu.api_key not in done.stderr + done.stdout


def test_info_logs_the_flow_lifecycle_only(emu: Emulator) -> None:
    """GENERIO_LOG=info prints the flow's creation and end, not every request."""
    done = _run(emu, "INFO")
    assert "generio INFO created flow " in done.stderr
    assert " ended completed" in done.stderr
    assert "DEBUG" not in done.stderr
    assert emu.api_key not in done.stderr


@pytest.mark.parametrize("level", [None, ""])
def test_unset_logs_nothing(emu: Emulator, level: str | None) -> None:
    """Without GENERIO_LOG (or with it empty) generio writes nothing to stderr."""
    assert _run(emu, level).stderr == ""


def test_unknown_level_warns_and_stays_off(emu: Emulator) -> None:
    """An unknown GENERIO_LOG value says which are accepted, and logs nothing else."""
    stderr = _run(emu, "verbose").stderr
    assert "GENERIO_LOG='verbose' is not one of debug, info, warning" in stderr
    assert "generio DEBUG" not in stderr


def test_scrub_filter_hides_bearer_credentials() -> None:
    """The handler's filter replaces anything after 'Bearer' with ***, whatever logs it."""
    import logging

    from generio._logswitch import configure_from_environment

    handler = configure_from_environment({"GENERIO_LOG": "debug"})
    assert handler is not None
    try:
        record = logging.LogRecord(
            "generio", logging.DEBUG, "", 0, "auth %s", ("Bearer sk-x",), None
        )
        handler.filter(record)
        assert record.getMessage() == "auth Bearer ***"
    finally:
        logging.getLogger("generio").removeHandler(handler)
        logging.getLogger("generio").setLevel(logging.NOTSET)
