"""Bodies generio decompresses itself: gzip and deflate (zlib or raw), chained, in pieces.

generio asks only for gzip and deflate and undoes them in its transport, in pieces, so
that a limit counts decompressed bytes (``_http/bounded.py``). These check that honest
compressed answers still read exactly as before, through the whole client.
"""

from __future__ import annotations

import gzip
import json
import zlib
from typing import Any

import httpx
import pytest

from generio import Generio, ResponseTooLargeError
from generio._http.bounded import PIECE, BoundedStream, Limit, bound
from tests.helpers.facade import FLOW_JSON, MOCK_URL
from tests.helpers.hostile_answers import Chunks

# Large enough to span several network chunks and decompressed pieces.
BODY = json.dumps({**FLOW_JSON, "additional": {"notes": "x" * (3 * PIECE)}}).encode()


def _raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


ENCODINGS = {
    "gzip": gzip.compress(BODY),
    "x-gzip": gzip.compress(BODY),
    "deflate": zlib.compress(BODY),
    "identity": BODY,
}


def _client(content: bytes, coding: str, seen: list[httpx.Request], **kwargs: Any) -> Generio:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        headers = {"content-type": "application/json", "content-encoding": coding}
        return httpx.Response(200, headers=headers, stream=Chunks(content))

    user = httpx.Client(transport=httpx.MockTransport(handler))
    return Generio("sk-test-bounded-1", MOCK_URL, http_client=user, **kwargs)


@pytest.mark.parametrize(
    ("coding", "content"),
    [
        *ENCODINGS.items(),
        ("deflate", _raw_deflate(BODY)),
        ("gzip, deflate", zlib.compress(gzip.compress(BODY))),
    ],
    ids=[*ENCODINGS, "raw-deflate", "gzip-then-deflate"],
)
def test_compressed_answer_reads_as_before(coding: str, content: bytes) -> None:
    """A gzip, deflate (zlib or raw) or chained body parses to the same flow."""
    seen: list[httpx.Request] = []
    with _client(content, coding, seen) as client:
        flow = client.flows.get("f1")
    assert flow.additional == {"notes": "x" * (3 * PIECE)}
    assert seen[0].headers["accept-encoding"] == "gzip, deflate"


def test_answer_at_the_limit_is_read_and_one_byte_more_is_not() -> None:
    """max_response_bytes allows exactly that many decompressed bytes, and not one more."""
    seen: list[httpx.Request] = []
    with _client(gzip.compress(BODY), "gzip", seen, max_response_bytes=len(BODY)) as exact:
        assert exact.flows.get("f1").id == "f1"
    smaller = {"max_response_bytes": len(BODY) - 1, "max_retries": 0}
    with (
        _client(gzip.compress(BODY), "gzip", seen, **smaller) as small,
        pytest.raises(ResponseTooLargeError) as caught,
    ):
        small.flows.get("f1")
    assert caught.value.limit == len(BODY) - 1
    assert len(seen) == 2


def _raw_answer(headers: list[tuple[bytes, bytes]], content: bytes) -> httpx.Response:
    request = httpx.Request("GET", f"{MOCK_URL}/flows/f1")
    return httpx.Response(200, headers=headers, stream=Chunks(content), request=request)


def test_a_doubled_content_length_is_counted_not_trusted() -> None:
    """Two Content-Length headers promise no framing: the body is counted, one is trusted."""
    size = str(len(BODY)).encode()
    answers = [
        bound(
            httpx.Request("GET", f"{MOCK_URL}/flows/f1"),
            _raw_answer([(b"Content-Length", size), *extra], BODY),
            Limit(len(BODY), "max_response_bytes"),
        )
        for extra in ([], [(b"content-length", size)])
    ]
    assert not isinstance(answers[0].stream, BoundedStream)  # one length: framed, passed through
    assert isinstance(answers[1].stream, BoundedStream)
    assert answers[1].read() == BODY


def test_codings_spread_over_headers_are_undone_in_order() -> None:
    """Content-Encoding listed in two headers, in any case, is undone last first."""
    headers = [(b"Content-Encoding", b"GZIP"), (b"content-encoding", b" identity, deflate")]
    request = httpx.Request("GET", f"{MOCK_URL}/flows/f1")
    answer = bound(
        request,
        _raw_answer(headers, zlib.compress(gzip.compress(BODY))),
        Limit(len(BODY), "max_response_bytes"),
    )
    assert answer.read() == BODY
    assert "content-encoding" not in answer.headers
