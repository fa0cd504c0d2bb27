"""The pure retry policy of ``_http/policy.py``: what is retried, how long to wait, one budget."""

from __future__ import annotations

import httpx
import pytest

from generio._http import policy as _retry
from generio._http.policy import BUDGET_EXTENSION, Budget, budget_of, delay, should_retry

REQ = httpx.Request("POST", "https://x/flows")


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_idempotent_methods_retry_transient_statuses(method: str, status: int) -> None:
    """GET, PATCH and DELETE retry 408, 429 and the transient 5xx."""
    assert should_retry(method, status, 0, 2)


@pytest.mark.parametrize("status", [400, 401, 404, 409, 422, 501])
def test_final_statuses_not_retried(status: int) -> None:
    """A status that will not change on its own is never retried."""
    assert not should_retry("GET", status, 0, 2)


@pytest.mark.parametrize("status", [408, 500, 502, 503, 504])
def test_post_not_retried_blindly_on_ambiguous_status(status: int) -> None:
    """A POST answered 5xx may have been carried out: the transport leaves it alone."""
    assert not should_retry("POST", status, 0, 2)


def test_post_retried_on_429() -> None:
    """A 429 says nothing was done, so even a POST is repeated."""
    assert should_retry("POST", 429, 0, 2)


@pytest.mark.parametrize(
    "error",
    [httpx.ConnectError("x", request=REQ), httpx.ConnectTimeout("x", request=REQ)],
)
def test_post_retried_when_never_sent(error: Exception) -> None:
    """A POST that never left this machine is safe to repeat."""
    assert should_retry("POST", error, 0, 2)


@pytest.mark.parametrize(
    "error",
    [
        httpx.ReadTimeout("x", request=REQ),
        httpx.RemoteProtocolError("x", request=REQ),
        httpx.ReadError("x", request=REQ),
    ],
)
def test_post_not_retried_after_sending(error: Exception) -> None:
    """A POST that may have arrived is not repeated by the transport."""
    assert not should_retry("POST", error, 0, 2)
    assert should_retry("GET", error, 0, 2)


def test_budget_exhausted_stops() -> None:
    """No retry once max_retries extra attempts were made."""
    assert not should_retry("GET", 503, 2, 2)


def test_non_transport_errors_not_retried() -> None:
    """A bad URL or a bug is not something a retry fixes."""
    assert not should_retry("GET", httpx.UnsupportedProtocol("x"), 0, 2)
    assert not should_retry("GET", ValueError("x"), 0, 2)


def test_backoff_full_jitter(monkeypatch: pytest.MonkeyPatch) -> None:
    """Backoff ceilings double from 0.5 s up to 8 s; jitter picks a point below."""
    monkeypatch.setattr(_retry, "_delays_disabled", False)
    monkeypatch.setattr(_retry, "jitter", lambda: 1.0)
    assert [delay(n) for n in (1, 2, 3, 6, 9)] == [0.5, 1.0, 2.0, 8.0, 8.0]
    monkeypatch.setattr(_retry, "jitter", lambda: 0.25)
    assert delay(2) == 0.25


def test_retry_after_honoured_and_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Retry-After hint replaces the backoff, up to 30 s."""
    monkeypatch.setattr(_retry, "_delays_disabled", False)
    assert delay(1, 3.0) == 3.0
    assert delay(1, 3600.0) == _retry.RETRY_AFTER_MAX


def test_delays_switch_zeroes_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the testing switch on, backoff and Retry-After waits are zero."""
    monkeypatch.setattr(_retry, "_delays_disabled", True)
    assert delay(3, 5.0) == 0.0


def test_budget_travels_with_its_request() -> None:
    """A budget reaches the transport on its request's extensions, not through a context."""
    budget = Budget(2)
    bare = httpx.Request("GET", "https://x/flows")
    tagged = httpx.Request("GET", "https://x/flows", extensions={BUDGET_EXTENSION: budget})
    assert budget_of(bare) is None
    assert budget_of(tagged) is budget
    assert budget.take() == 1
    assert budget.retried
    assert budget.allows("GET", 503)
    budget.take()
    assert budget.exhausted
    assert not budget.allows("GET", 503)
