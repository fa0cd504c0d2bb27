"""Answers no well-behaved server sends, through MockTransport: each becomes our error."""

from __future__ import annotations

import json
from email.utils import formatdate

import httpx
import pytest

from generio import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    NotFoundError,
    RateLimitError,
    ServerError,
    ValidationError,
)
from generio._http import policy as _retry
from tests.helpers.facade import FLOW_JSON, MockFactory, mock_client

HTML_502 = b"<html><body><h1>502 Bad Gateway</h1></body></html>"


def _answer(
    status: int, content: bytes, content_type: str = "application/json", **headers: str
) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            status, content=content, headers={"content-type": content_type, **headers}
        )

    return httpx.MockTransport(handler)


@pytest.mark.parametrize(
    ("status", "content", "content_type", "expected"),
    [
        (502, HTML_502, "text/html", ServerError),
        (200, json.dumps(FLOW_JSON).encode()[:40], "application/json", ServerError),
        (520, b'{"detail": "origin error"}', "application/json", ServerError),
        (499, b"client closed", "text/plain", APIStatusError),
        (422, b'{"detail": "flow_id is malformed"}', "application/json", ValidationError),
        (200, b'{"state": "running", "progress": 0.5}', "application/json", ServerError),
        (200, b"[1, 2]", "application/json", ServerError),
        (404, HTML_502, "text/html", NotFoundError),
    ],
    ids=["html-502", "truncated", "520", "499", "422-string", "missing-id", "list", "404-html"],
)
def test_unparseable_answers_become_typed_errors(
    make_client: MockFactory,
    status: int,
    content: bytes,
    content_type: str,
    expected: type[APIStatusError],
) -> None:
    """Bodies generio cannot read (no id, cut JSON, HTML): the status picks the class."""
    with (
        make_client(_answer(status, content, content_type), max_retries=0) as client,
        pytest.raises(APIStatusError) as caught,
    ):
        client.flows.get("f1")
    error = caught.value
    assert type(error) is expected
    assert error.status_code == status
    assert error.path == "/flows/f1"
    assert str(status) in str(error)
    assert not isinstance(error.__cause__, ServerError)


def test_documented_statuses_map_to_classes(make_client: MockFactory) -> None:
    """401, 404 and 422 with FastAPI's body become their own classes."""
    with (
        make_client(_answer(401, b'{"detail": "Invalid API key"}')) as client,
        pytest.raises(AuthenticationError, match="Invalid API key"),
    ):
        client.templates.list()
    with (
        make_client(_answer(404, b'{"detail": "Flow \'x\' not found"}')) as client,
        pytest.raises(NotFoundError, match="not found"),
    ):
        client.flows.get("x")
    body = {"detail": [{"loc": ["query", "sort_by"], "msg": "bad value", "type": "enum"}]}
    with (
        make_client(_answer(422, json.dumps(body).encode())) as client,
        pytest.raises(ValidationError) as caught,
    ):
        client.flows.list()
    assert caught.value.errors[0].msg == "bad value"
    assert "query.sort_by: bad value" in str(caught.value)


def test_rate_limit_after_retries(make_client: MockFactory) -> None:
    """429 after the budget is spent is a RateLimitError with the server's hint."""
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(429, json={"detail": "slow down"}, headers={"retry-after": "7"})

    with (
        make_client(httpx.MockTransport(handler), max_retries=2) as client,
        pytest.raises(RateLimitError) as caught,
    ):
        client.flows.get("f1")
    assert caught.value.retry_after == 7.0
    assert len(calls) == 3


def test_retry_after_http_date_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Retry-After HTTP date becomes the wait before the retry (capped)."""
    monkeypatch.setattr(_retry, "_delays_disabled", False)
    waits: list[float] = []
    monkeypatch.setattr("generio._http.sending._pause", lambda _request, wait: waits.append(wait))
    answers = iter(
        [
            httpx.Response(503, headers={"retry-after": formatdate(usegmt=True)}),
            httpx.Response(429, headers={"retry-after": "3600"}),
            httpx.Response(200, json=FLOW_JSON),
        ]
    )
    with mock_client(lambda _r: next(answers)) as client:
        assert client.flows.get("f1").id == "f1"
    assert 0.0 <= waits[0] <= 1.0
    assert waits[1] == _retry.RETRY_AFTER_MAX


def test_transport_failures_become_connection_errors(make_client: MockFactory) -> None:
    """A refused connection and a timeout become APIConnectionError / APITimeoutError."""

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with (
        make_client(httpx.MockTransport(refuse), max_retries=1) as client,
        pytest.raises(APIConnectionError, match="GET /flows/f1") as caught,
    ):
        client.flows.get("f1")
    assert not isinstance(caught.value, APITimeoutError)

    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with (
        make_client(httpx.MockTransport(slow), max_retries=1) as client,
        pytest.raises(APITimeoutError, match="timeout"),
    ):
        client.flows.get("f1")


def test_get_retried_until_success(make_client: MockFactory) -> None:
    """A GET answered 503 twice then 200 succeeds within max_retries=2."""
    answers = iter([httpx.Response(503), httpx.Response(502, content=HTML_502), None])

    def handler(request: httpx.Request) -> httpx.Response:
        answer = next(answers)
        return answer or httpx.Response(200, json=FLOW_JSON)

    with make_client(httpx.MockTransport(handler)) as client:
        assert client.flows.get("f1").progress == 0.5


def test_error_without_detail_still_says_what_to_do(make_client: MockFactory) -> None:
    """An error status with an empty body still names method, path, status and advice."""
    with (
        make_client(_answer(403, b""), max_retries=0) as client,
        pytest.raises(APIStatusError, match=r"GET /flows/f1 failed with HTTP 403.*What to do"),
    ):
        client.flows.get("f1")


def _template() -> dict[str, object]:
    return {
        "template_id": "t1",
        "name": "model_generate_fromprompt",
        "description": "d",
        "parameters": {},
        "input_types": ["text/plain"],
        "output_types": ["model/gltf-binary"],
    }
