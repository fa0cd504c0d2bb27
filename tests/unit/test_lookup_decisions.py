"""The lookup's decisions through the fake driver: what is read, when, and when it refuses.

No HTTP: each scripted page answers a ``GET /flows...`` the job asks for, so a test states
exactly which pages a lookup reads. Times are the service's (``created_at``), minutes or
days from ``NOW``; the client's own clock never enters a bound.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from generio import KeyLookup, LookupIncompleteError
from generio._errors import APIConnectionError
from generio._jobs.create import create_job
from generio._jobs.effects import Call
from generio._jobs.journal import Journal
from generio._jobs.keys import BatchKeys, CreateProgress, find_job
from generio._jobs.state import ClientState
from generio._payload.inputs import as_sources
from tests.helpers.fake_driver import FakeDriver, Step, calls, new_state

TEMPLATE = "model_generate_fromprompt"
OTHER = "model_optimize"
TEMPLATE_JSON = {"template_id": "t1", "name": TEMPLATE, "input_types": ["text/plain"]}


def _create(
    state: ClientState,
    inputs: list[str],
    *,
    additional: Any = None,
    key: str | None = None,
    batch: BatchKeys | None = None,
) -> Any:
    """``create_job`` as a call makes it: inputs normalised, its key record started."""
    progress = CreateProgress.start(key)
    return create_job(state, TEMPLATE, as_sources(inputs), None, additional, progress, batch)


FIRST = "GET /flows?sort_by=created_at"
#: The service's "now": any moment will do, since bounds come from its own times.
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _flow(
    n: int,
    minutes_ago: float,
    key: str | None = None,
    *,
    template: str | None = TEMPLATE,
    additional: bool = True,
    fingerprint: str = "sha256:theirs",
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "flow_id": f"f{n}",
        "state": "completed",
        "created_at": (NOW - timedelta(minutes=minutes_ago)).isoformat(),
    }
    if template is not None:
        body["template"] = template
    if additional:
        marker = {"key": key, "fingerprint": fingerprint}
        body["additional"] = {"_generio_idempotency": marker} if key else None
    return body


def _page(flows: list[dict[str, Any]], following: str | None = None) -> dict[str, Any]:
    return {"flows": flows, **({"next": following} if following else {})}


def _pages(flows: list[dict[str, Any]], size: int) -> list[Step]:
    """Script a listing of ``flows`` in pages of ``size`` (links ``/api/flows?page=N``).

    The fake client's base URL is ``https://flows.example/api``: links carry that prefix.
    """
    steps = [Step(FIRST, _page([]))] if not flows else []
    for start in range(0, len(flows), size):
        number = start // size + 1
        following = f"/api/flows?page={number + 1}" if start + size < len(flows) else None
        path = FIRST if number == 1 else f"GET /flows?page={number}"
        steps.append(Step(path, _page(flows[start : start + size], following)))
    return steps


def _find(state: ClientState, key: str, template: str | None = TEMPLATE) -> Any:
    return find_job(state, key, template)


def test_an_unkeyed_create_sends_only_its_post() -> None:
    """A random key is new: no listing before the create."""
    made = {"flow_id": "f-new", "state": "starting", "template": TEMPLATE}
    driver = FakeDriver(
        [Step(f"GET /templates/{TEMPLATE}", TEMPLATE_JSON), Step("POST /flows", made)]
    )
    driver.drive(
        create_job(
            new_state(), TEMPLATE, as_sources(["a chair"]), None, None, CreateProgress.start(None)
        )
    )
    driver.assert_done()
    assert calls(driver) == [f"GET /templates/{TEMPLATE}", "POST /flows"]


def test_oldest_first_is_read_to_the_end_once_then_only_its_tail() -> None:
    """Ascending: the whole listing the first time; after that, from the last pages on."""
    flows = [_flow(i, 3000 - i * 10) for i in range(250)]
    state = new_state()
    first = FakeDriver(_pages(flows, 100))
    assert first.drive(_find(state, "missing")) is None
    first.assert_done()
    newer = [*flows, _flow(900, 0.5, "late")]
    tail = FakeDriver([Step("GET /flows?page=3", _page(newer[200:]))])  # long settled
    found = tail.drive(_find(state, "late"))
    tail.assert_done()
    assert found.id == "f900"  # taken from the page: the flow is not read again


def test_newest_first_stops_at_the_key_window() -> None:
    """Descending: pages are read down to flows older than the window, not beyond."""
    flows = [_flow(i, i * 60) for i in range(100)]  # one an hour, newest first
    state = new_state()
    state.lookup = KeyLookup(window=timedelta(hours=5))
    driver = FakeDriver(_pages(flows, 3)[:3])  # 9 flows reach 8 hours back
    assert driver.drive(_find(state, "missing")) is None
    driver.assert_done()


def test_newest_first_refresh_reads_down_to_what_it_knew() -> None:
    """Descending, later: from the first page to the newest flow read before (less SETTLE)."""
    flows = [_flow(i, 30 + i * 60) for i in range(10)]
    state = new_state()
    state.lookup = KeyLookup(window=timedelta(hours=2))
    FakeDriver(_pages(flows, 3)[:2]).drive(_find(state, "missing"))
    newer = [_flow(50, 1, "fresh"), _flow(51, 2), *flows]
    # Down past the newest flow known (30 min ago) by SETTLE: f1, 90 min ago, is enough.
    again = FakeDriver([Step(FIRST, _page(newer[:4], "/api/flows?page=2"))])
    found = again.drive(_find(state, "fresh"))
    again.assert_done()
    assert found.id == "f50"  # taken from the page itself: no second read


def test_unknown_order_is_read_whole_every_time() -> None:
    """No creation times: the order cannot be learned, so every refresh reads it all."""
    flows = [{"flow_id": f"f{i}", "state": "completed", "additional": None} for i in range(5)]
    state = new_state()
    for _ in range(2):
        driver = FakeDriver(_pages(flows, 2))
        assert driver.drive(_find(state, "missing")) is None
        driver.assert_done()


def test_a_lost_answer_is_found_whatever_the_service_clock_says() -> None:
    """The service 90 s behind: the key matches on the newest page; time only bounds reading."""
    posted: dict[str, Any] = {}

    def lost(effect: Call[Any]) -> Any:
        assert effect.op.body is not None
        posted.update(json.loads(b"".join(effect.op.body)))
        raise APIConnectionError("lost", method="POST", path="/flows")

    def listed(_effect: Call[Any]) -> Any:
        ours = _flow(7, 1.5, "x")  # stamped 90 s ago by its clock: older than our call
        ours["additional"] = posted["additional"]
        rows = [ours, *(_flow(i, 2 + i) for i in range(99))]
        from generio._http.operations import list_flows_op

        return list_flows_op(None, None).parse(_page(rows, "/api/flows?page=2"))

    driver = FakeDriver(
        [
            Step(f"GET /templates/{TEMPLATE}", TEMPLATE_JSON),
            Step("POST /flows", lost),
            Step(FIRST, listed),  # newest first: one page reaches far enough back
        ]
    )
    flow = driver.drive(
        create_job(
            new_state(), TEMPLATE, as_sources(["a chair"]), None, None, CreateProgress.start(None)
        )
    )
    driver.assert_done()
    assert flow.id == "f7"


def test_the_page_bound_raises_instead_of_creating() -> None:
    """Past KeyLookup.max_pages: LookupIncompleteError names the key and what was read."""
    flows = [_flow(i, 600 - i) for i in range(10)]
    state = new_state()
    state.lookup = KeyLookup(max_pages=3)
    driver = FakeDriver(_pages(flows, 2)[:3])
    with pytest.raises(LookupIncompleteError) as caught:
        driver.drive(_find(state, "k-1"))
    driver.assert_done()
    error = caught.value
    assert (error.key, error.pages, error.flows) == ("k-1", 3, 6)
    assert error.oldest == NOW - timedelta(minutes=600)
    assert "max_pages (3)" in str(error)
    # The account only grows: waiting cannot help, a higher bound can.
    assert "What to do: raise KeyLookup(max_pages=...)" in str(error)
    assert "try again later" not in str(error)


def test_a_key_found_before_the_bound_is_enough() -> None:
    """The bound is met, but the key was on a page read: it is returned."""
    flows = [_flow(0, 600, "k-1"), *(_flow(i, 600 - i) for i in range(1, 10))]
    state = new_state()
    state.lookup = KeyLookup(max_pages=2)
    driver = FakeDriver([*_pages(flows, 2)[:2], Step("GET /flows/f0", flows[0])])
    assert driver.drive(_find(state, "k-1")).id == "f0"


def test_a_link_elsewhere_is_not_followed_and_refuses() -> None:
    """A next link to another host ends the read: the lookup could not finish."""
    page = _page([_flow(1, 5), _flow(2, 4)], "https://elsewhere.example/flows?page=2")
    driver = FakeDriver([Step(FIRST, page)])
    with pytest.raises(LookupIncompleteError, match="leaves the client's base URL"):
        driver.drive(_find(new_state(), "k"))


def test_a_moved_tail_is_read_again_from_the_start() -> None:
    """Oldest first, flows deleted: the tail page no longer joins what was read; start over."""
    flows = [_flow(i, 300 - i) for i in range(6)]
    state = new_state()
    FakeDriver(_pages(flows, 2)).drive(_find(state, "missing"))
    moved = [_flow(9, 0.5)]  # page 3 now starts after everything known
    driver = FakeDriver(
        [
            Step("GET /flows?page=3", _page(moved)),
            *_pages([*flows[2:], *moved], 2),
        ]
    )
    assert driver.drive(_find(state, "missing")) is None
    driver.assert_done()


def test_summaries_are_read_one_by_one_only_where_a_key_can_be() -> None:
    """No additional listed: this template's flows (or unnamed ones) in the window, once each."""
    flows = [
        _flow(1, 10, additional=False),
        _flow(2, 20, additional=False, template=OTHER),  # another template: skipped
        _flow(3, 30, additional=False, template=None),  # no template named: read
        _flow(4, 3 * 24 * 60, additional=False),  # older than the window: skipped
    ]
    state = new_state()
    driver = FakeDriver(
        [
            *_pages(flows, 10),
            Step("GET /flows/f1", _flow(1, 10)),
            Step("GET /flows/f3", _flow(3, 30, "k-3", template=None)),
        ]
    )
    assert driver.drive(_find(state, "k-3")).id == "f3"
    driver.assert_done()
    again = FakeDriver([Step(FIRST, _page(flows))])  # unknown order here: the list again
    assert again.drive(_find(state, "k-9")) is None
    again.assert_done()  # no flow is read one by one twice


def test_a_batch_reads_the_listing_once_for_all_its_keys() -> None:
    """Creates sharing a BatchKeys: the first reads the listing; the others read nothing."""
    state = new_state()
    batch = BatchKeys(time.monotonic(), frozenset({TEMPLATE}))
    steps = [Step(f"GET /templates/{TEMPLATE}", TEMPLATE_JSON)]
    steps += _pages([_flow(i, 50 - i) for i in range(4)], 2)
    for n in range(3):
        steps.append(Step("POST /flows", {"flow_id": f"new{n}", "state": "starting"}))
    driver = FakeDriver(steps)
    for n in range(3):
        driver.drive(
            create_job(
                state,
                TEMPLATE,
                as_sources([f"chair {n}"]),
                None,
                None,
                CreateProgress.start(f"k-{n}"),
                batch=batch,
            )
        )
    driver.assert_done()
    assert calls(driver).count(FIRST) == 1


def test_a_journal_names_the_flow_without_any_listing(tmp_path: Path) -> None:
    """A key the journal recorded: one GET of its flow, no listing, nothing posted."""
    journal = Journal(tmp_path / "j.jsonl")
    state = new_state()
    batch = BatchKeys(time.monotonic(), None, journal)
    made = {"flow_id": "f-1", "state": "starting", "template": TEMPLATE}
    first = FakeDriver([Step(f"GET /templates/{TEMPLATE}", TEMPLATE_JSON), *_pages([], 1)])
    first.steps.append(Step("POST /flows", made))
    first.drive(
        create_job(
            state,
            TEMPLATE,
            as_sources(["a chair"]),
            None,
            None,
            CreateProgress.start("job-1"),
            batch=batch,
        )
    )
    lines = [json.loads(line) for line in (tmp_path / "j.jsonl").read_text().splitlines()]
    assert [("posting" in r, r.get("flow")) for r in lines] == [(True, None), (False, "f-1")]
    resumed = Journal.load(tmp_path / "j.jsonl")
    later = FakeDriver(
        [Step(f"GET /templates/{TEMPLATE}", TEMPLATE_JSON), Step("GET /flows/f-1", made)]
    )
    batch = BatchKeys(time.monotonic(), None, resumed)
    flow = later.drive(
        create_job(
            new_state(),
            TEMPLATE,
            as_sources(["a chair"]),
            None,
            None,
            CreateProgress.start("job-1"),
            batch=batch,
        )
    )
    later.assert_done()
    assert flow.id == "f-1"


def test_a_deleted_flow_frees_its_key() -> None:
    """The index names a flow that is gone (404): the key is free, nothing is adopted."""
    from generio._payload.error_body import error_from_response

    state = new_state()
    flows = [_flow(1, 5, "k-del"), _flow(2, 4)]
    FakeDriver(_pages(flows, 10)).drive(_find(state, "other"))
    gone = error_from_response("GET", "/flows/f1", 404, b'{"detail": "Flow not found"}', {})
    driver = FakeDriver([Step(FIRST, _page(flows[1:])), Step("GET /flows/f1", gone)])
    assert driver.drive(_find(state, "k-del")) is None
    assert state.index.find("k-del") is None


def test_on_incomplete_create_goes_on_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    """KeyLookup(on_incomplete='create'): a lookup past its bound is logged, then it creates."""
    state = new_state()
    state.lookup = KeyLookup(max_pages=1, on_incomplete="create")
    made = {"flow_id": "f-new", "state": "starting", "template": TEMPLATE}
    driver = FakeDriver(
        [
            Step(f"GET /templates/{TEMPLATE}", TEMPLATE_JSON),
            *_pages([_flow(i, 9 - i) for i in range(4)], 2)[:1],
            Step("POST /flows", made),
        ]
    )
    with caplog.at_level("WARNING", "generio"):
        flow = driver.drive(_create(state, ["x"], key="k"))
    assert flow.id == "f-new"
    assert "on_incomplete='create'" in caplog.text


@pytest.mark.parametrize(
    ("options", "word"),
    [
        ({"window": 0}, "window"),
        ({"window": float("inf")}, "window"),
        ({"window": "1h"}, "window"),
        ({"max_pages": 0}, "max_pages"),
        ({"max_pages": 2.5}, "max_pages"),
        ({"on_incomplete": "ignore"}, "on_incomplete"),
    ],
)
def test_key_lookup_refuses_bad_settings(options: dict[str, Any], word: str) -> None:
    """A window that is no positive duration, a bad page bound or mode: ConfigurationError."""
    from generio import ConfigurationError

    with pytest.raises(ConfigurationError, match=word):
        KeyLookup(**options)
    assert KeyLookup(window=timedelta(hours=2)).window == 7200.0


def test_the_error_pickles_and_says_what_to_do_after_a_lost_answer() -> None:
    """LookupIncompleteError survives pickling; after a lost POST it points to flows.find."""
    import pickle

    error = LookupIncompleteError(
        "k-1", "a page could not be read", pages=2, flows=200, oldest=NOW, after="POST lost: "
    )
    error.add_note("a note")
    again = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
    assert (again.key, again.pages, again.flows, again.oldest) == ("k-1", 2, 200, NOW)
    assert str(again) == str(error)
    assert again.__notes__ == ["a note"]
    assert "flows.find(idempotency_key='k-1')" in str(error)
    assert "not sent again" in str(error)
