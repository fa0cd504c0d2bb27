"""Against a hostile server in a child process: each runaway answer ends in its typed error.

The server (``hostile_server.py``) sends over real loopback HTTP what the table's
MockTransport cases only imitate: a JSON body that never ends, a gzip bomb, an output whose
base64 never ends, and an output that trickles forever. Small limits keep each case short;
the benchmark's ``hostile`` row measures memory with the default limits.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from generio import AsyncGenerio, DownloadTimeoutError, Generio, ResponseTooLargeError
from tests.helpers.reliability import tree

SERVER = Path(__file__).with_name("hostile_server.py")
KEY = "sk-live-hostile-7c2e91"
LIMITS = {"max_response_bytes": 4 * 1024 * 1024, "max_download_bytes": 4 * 1024 * 1024}


@pytest.fixture(scope="module")
def hostile_url() -> Iterator[str]:
    """Start the hostile server (a 64 MiB gzip bomb) in a child process; its URL."""
    process = subprocess.Popen(
        [sys.executable, str(SERVER), "64"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline())
        yield f"http://127.0.0.1:{port}"
    finally:
        process.kill()
        process.wait()
        if process.stdout is not None:
            process.stdout.close()


def _both(url: str, act: Callable[[Any], Any], **kwargs: Any) -> list[BaseException]:
    """Run ``act`` through a Generio and an AsyncGenerio; the errors they raised."""
    errors: list[BaseException] = []
    with Generio(KEY, url, **kwargs) as client:
        try:
            act(client)
        except Exception as exc:
            errors.append(exc)

    async def run_async() -> None:
        async with AsyncGenerio(KEY, url, **kwargs) as client:
            try:
                await act(client)
            except Exception as exc:
                errors.append(exc)

    anyio.run(run_async)
    return errors


@pytest.mark.parametrize("route", ["endless", "bomb", "lying"])
def test_runaway_json_answer_is_cut_off(hostile_url: str, route: str) -> None:
    """Endless JSON, a gzip bomb, endless chunks claiming 20 bytes: ResponseTooLargeError."""
    errors = _both(hostile_url, lambda c: c.templates.get(route), **LIMITS)
    assert [type(e) for e in errors] == [ResponseTooLargeError] * 2
    assert all(e.limit == LIMITS["max_response_bytes"] for e in errors)  # type: ignore[attr-defined]
    assert all("max_response_bytes" in str(e) for e in errors)


def test_endless_download_is_cut_off(hostile_url: str, tmp_path: Path) -> None:
    """An output whose base64 never ends stops at max_download_bytes; no file is left."""
    errors = _both(hostile_url, lambda c: c.flows.download_outputs("endless", tmp_path), **LIMITS)
    assert [type(e) for e in errors] == [ResponseTooLargeError] * 2
    assert all("max_download_bytes" in str(e) for e in errors)
    assert tree(tmp_path) == []


def test_trickling_download_meets_its_deadline(hostile_url: str, tmp_path: Path) -> None:
    """An output that never finishes arriving ends in DownloadTimeoutError; no file is left."""
    errors = _both(
        hostile_url,
        lambda c: c.flows.download_outputs("trickle", tmp_path),
        download_timeout=0.5,
    )
    assert [type(e) for e in errors] == [DownloadTimeoutError] * 2
    assert all(isinstance(e, TimeoutError) for e in errors)
    assert tree(tmp_path) == []
