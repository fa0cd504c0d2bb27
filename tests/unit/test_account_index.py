"""What a client's index of the account hands out: flows to read one by one, shared by calls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from generio._jobs.account import MAX_CLAIMS, AccountIndex
from generio._payload.models import Flow
from generio._payload.wire import flow_from_json

START = datetime(2026, 3, 1, tzinfo=UTC)
TEMPLATES = frozenset({"t"})


def _summary(n: int, template: str = "t") -> Flow:
    """Return a list entry without ``additional``: only a read shows whether it has a key."""
    created = (START + timedelta(minutes=n)).isoformat()
    return flow_from_json(
        {"flow_id": f"f{n}", "state": "completed", "template": template, "created_at": created}
    )


def _listed(count: int) -> AccountIndex:
    index = AccountIndex()
    index.ingest([_summary(n) for n in range(count)])
    return index


def test_a_claimed_flow_is_not_handed_to_another_call() -> None:
    """Two calls sharing the reads never take the same flow; a read flow is no longer to take."""
    index = _listed(3)
    assert index.claim("f0") is True
    assert index.claim("f0") is False  # another call reads it
    index.resolved(_summary(0))
    assert index.claim("f0") is False  # read: nothing left to do
    assert index.pending(TEMPLATES, None) == ["f1", "f2"]


def test_reads_at_once_are_bounded() -> None:
    """No more than MAX_CLAIMS reads at a time; one ending lets the next start."""
    index = _listed(MAX_CLAIMS + 2)
    taken = [index.claim(f"f{n}") for n in range(MAX_CLAIMS)]
    assert taken == [True] * MAX_CLAIMS
    assert index.claim(f"f{MAX_CLAIMS}") is None  # wait for a turn
    index.resolved(_summary(0))
    assert index.claim(f"f{MAX_CLAIMS}") is True


def test_a_read_given_back_can_be_taken_again() -> None:
    """A read that failed is given back: the flow stays to read, for another call."""
    index = _listed(2)
    assert index.claim("f1") is True
    index.unclaim("f1")
    assert index.has_pending(TEMPLATES, None)
    assert index.claim("f1") is True


def test_the_newest_pending_flow_bounds_what_is_left() -> None:
    """Reading the older flows leaves the newest pending; reading it leaves none after a time."""
    index = _listed(5)
    since = START + timedelta(minutes=4)
    for n in range(4):
        index.resolved(_summary(n))
        assert index.has_pending(TEMPLATES, since)  # f4 is still to read
    index.resolved(_summary(4))
    assert not index.has_pending(TEMPLATES, since)
    assert not index.has_pending(TEMPLATES, None)
