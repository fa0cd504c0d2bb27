"""JSON answers bounded by the default limits: bytes, values before parsing, entries after.

Against the child-process hostile server, with the clients' defaults: a gzip bomb and a
16 MiB page of minimal entries stop at ``max_response_bytes`` (8 MiB); a page under it but
of 1.1 million values is refused before parsing; a page of 10,001 entries, and a listing
past 100,000 entries, are refused too. Each is a ``ResponseTooLargeError`` naming its
bound, sent once (never retried). Memory peaks are the ``hostile`` benchmark rows.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from generio import AsyncGenerio, Generio, ResponseTooLargeError
from generio._http.settings import DEFAULT_MAX_RESPONSE_BYTES
from generio._payload.json_bounds import MAX_JSON_VALUES, MAX_LISTING_ENTRIES, MAX_PAGE_ENTRIES

SERVER = Path(__file__).with_name("hostile_server.py")
KEY = "sk-live-hostile-caps-41d8"


@pytest.fixture(scope="module")
def hostile_url() -> Iterator[str]:
    """Start the hostile server (a 64 MiB gzip bomb) in a child process; its URL."""
    process = subprocess.Popen(
        [sys.executable, str(SERVER), "64"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        yield f"http://127.0.0.1:{int(process.stdout.readline())}"
    finally:
        process.kill()
        process.wait()
        if process.stdout is not None:
            process.stdout.close()


def _both(url: str, act: Callable[[Any], Any]) -> list[BaseException]:
    """Run ``act`` with a Generio and an AsyncGenerio (default limits); their errors."""
    errors: list[BaseException] = []
    with Generio(KEY, url) as client:
        try:
            act(client)
        except Exception as exc:
            errors.append(exc)

    async def run_async() -> None:
        async with AsyncGenerio(KEY, url) as client:
            try:
                await act(client)
            except Exception as exc:
                errors.append(exc)

    anyio.run(run_async)
    return errors


CASES = [
    ("bomb", lambda c: c.templates.get("bomb"), DEFAULT_MAX_RESPONSE_BYTES, "bytes"),
    ("minimal", lambda c: c.flows.list(state="minimal"), DEFAULT_MAX_RESPONSE_BYTES, "bytes"),
    ("values", lambda c: c.flows.list(state="values"), MAX_JSON_VALUES, "JSON values"),
    ("entries", lambda c: c.flows.list(state="entries"), MAX_PAGE_ENTRIES, "entries in one list"),
    ("listing", lambda c: c.flows.list(state="listing"), MAX_LISTING_ENTRIES, "one listing"),
]


@pytest.mark.parametrize(("case", "act", "limit", "words"), CASES, ids=[c[0] for c in CASES])
def test_hostile_json_answers_end_in_their_bound(
    hostile_url: str, case: str, act: Callable[[Any], Any], limit: int, words: str
) -> None:
    """Each hostile JSON answer is a ResponseTooLargeError naming its bound, on both clients."""
    errors = _both(hostile_url, act)
    assert [type(e) for e in errors] == [ResponseTooLargeError] * 2, errors
    for error in errors:
        assert isinstance(error, ResponseTooLargeError)
        assert error.limit == limit
        assert words in str(error)
