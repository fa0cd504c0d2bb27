"""The jobs' logic through a fake driver: create-and-adopt, wait and download, no HTTP."""

from __future__ import annotations

import json
import types
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from generio import (
    APIConnectionError,
    IdempotencyConflictError,
    ResponseTooLargeError,
    ServerError,
    WaitTimeout,
)
from generio._http import policy as _retry
from generio._http.operations import get_flow_op, update_flow_op
from generio._jobs import wait as wait_module
from generio._jobs.create import create_job
from generio._jobs.downloads import PrepareDir, download_outputs_job
from generio._jobs.effects import Call, Download, Saved, Sleep
from generio._jobs.keys import BatchKeys, CreateProgress
from generio._jobs.polling import PollSettings
from generio._jobs.retries import call
from generio._jobs.state import ClientState
from generio._jobs.wait import wait_job
from generio._payload.error_body import error_from_response
from generio._payload.inputs import as_sources
from generio._payload.models import Flow
from generio._payload.wire import flow_from_json
from tests.helpers.fake_driver import FakeClock, FakeDriver, Step, calls, new_state

TEMPLATE = "model_generate_fromprompt"
#: The first page of the listing a lookup reads.
LIST = "GET /flows?sort_by=created_at"
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


def _server_error(method: str, path: str, status: int = 502) -> ServerError:
    error = error_from_response(method, path, status, b"<html>bad gateway</html>", {})
    assert isinstance(error, ServerError)
    return error


def _lost(method: str, path: str) -> APIConnectionError:
    """Build a failure after the request left: the service may have carried it out."""
    return APIConnectionError(f"{method} {path} failed", method=method, path=path)


class PostedFlow:
    """Records the POST /flows body, then fails it as a lost answer would."""

    def __init__(self) -> None:
        self.body: dict[str, Any] | None = None

    def fail(self, effect: Call[Any]) -> Any:
        """Keep the body, then fail as an answer lost on the way back."""
        assert effect.op.body is not None
        self.body = json.loads(b"".join(effect.op.body))
        raise _lost("POST", "/flows")

    def as_listed(self, flow_id: str = "f-made", **changes: Any) -> dict[str, Any]:
        """Return the flow the lost POST created, as ``GET /flows`` lists it."""
        assert self.body is not None
        return {
            "flow_id": flow_id,
            "state": "running",
            "template": TEMPLATE,
            "created_at": datetime.now(UTC).isoformat(),
            "additional": self.body["additional"],
        } | changes


def test_a_keyed_create_adopts_the_flow_its_lost_post_made() -> None:
    """After an ambiguous POST, the flow carrying the call's key is adopted, not re-created."""
    posted = PostedFlow()
    driver = FakeDriver(
        [
            Step(f"GET /templates/{TEMPLATE}", TEMPLATE_JSON),
            Step(LIST, {"flows": []}),  # the caller's key: any earlier flow with it?
            Step("POST /flows", posted.fail),
            Step(LIST, lambda _call: _page([posted.as_listed()])),
        ]
    )
    job = create_job(
        new_state(),
        TEMPLATE,
        as_sources(["a chair"]),
        None,
        {"n": 1},
        CreateProgress.start("my-key-0001"),
    )
    flow = driver.drive(job)
    driver.assert_done()
    assert flow.id == "f-made"
    assert flow.additional == {"n": 1}  # the key's stamp is removed from what the caller sees
    assert calls(driver).count("POST /flows") == 1


def test_a_random_key_create_adopts_too_and_never_posts_twice() -> None:
    """Without the caller's key, the random key still finds what the lost POST made."""
    posted = PostedFlow()
    driver = FakeDriver(
        [
            Step(f"GET /templates/{TEMPLATE}", TEMPLATE_JSON),
            Step("POST /flows", posted.fail),
            Step(LIST, lambda _call: _page([posted.as_listed("f-random")])),
        ]
    )
    flow = driver.drive(
        create_job(
            new_state(), TEMPLATE, as_sources(["a chair"]), None, None, CreateProgress.start(None)
        )
    )
    driver.assert_done()
    assert flow.id == "f-random"


def test_a_lost_post_that_made_nothing_is_sent_again() -> None:
    """No flow carries the key: the POST provably did nothing, so it is repeated once."""
    posted = PostedFlow()
    made = {"flow_id": "f-second", "state": "starting", "template": TEMPLATE}
    driver = FakeDriver(
        [
            Step(f"GET /templates/{TEMPLATE}", TEMPLATE_JSON),
            Step("POST /flows", posted.fail),
            Step(LIST, {"flows": []}),
            Step(LIST, {"flows": []}),  # again after the backoff: a late store shows there
            Step("POST /flows", made),
        ]
    )
    flow = driver.drive(
        create_job(
            new_state(), TEMPLATE, as_sources(["a chair"]), None, None, CreateProgress.start(None)
        )
    )
    driver.assert_done()
    assert flow.id == "f-second"
    assert len(driver.slept) == 1  # one backoff before the repeat, from retries.retry_post


def test_a_key_found_with_another_request_is_a_conflict() -> None:
    """A flow under the caller's key but with another fingerprint is refused, nothing sent."""
    other = {"_generio_idempotency": {"key": "my-key-0001", "fingerprint": "sha256:other"}}
    listed = {"flow_id": "f-old", "state": "completed", "template": TEMPLATE, "additional": other}
    driver = FakeDriver(
        [
            Step(f"GET /templates/{TEMPLATE}", TEMPLATE_JSON),
            Step(LIST, {"flows": [listed]}),
        ]
    )
    with pytest.raises(IdempotencyConflictError):
        driver.drive(
            create_job(
                new_state(),
                TEMPLATE,
                as_sources(["a chair"]),
                None,
                None,
                CreateProgress.start("my-key-0001"),
            )
        )
    driver.assert_done()
    assert "POST /flows" not in calls(driver)


def _page(flows: list[dict[str, Any]]) -> Any:
    from generio._http.operations import list_flows_op

    return list_flows_op(None, "created_at").parse({"flows": flows})


def _flow(state: str, progress: float) -> dict[str, Any]:
    return {"flow_id": "f1", "state": state, "progress": progress, "template": TEMPLATE}


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """Give the wait job a clock moved only by the fake driver's sleeps."""
    fake = FakeClock()
    monkeypatch.setattr(wait_module, "time", types.SimpleNamespace(monotonic=fake.monotonic))
    return fake


def test_wait_rides_out_transient_poll_failures(clock: FakeClock) -> None:
    """Failed polls (a dropped connection, a 503) are waited out; the flow is followed on."""
    driver = FakeDriver(
        [
            Step("GET /flows/f1", _flow("running", 0.2)),
            Step("GET /flows/f1", _lost("GET", "/flows/f1")),
            Step("GET /flows/f1", _server_error("GET", "/flows/f1", 503)),
            Step("GET /flows/f1", _flow("running", 0.8)),
            Step("GET /flows/f1", _flow("completed", 1.0)),
        ],
        clock,
    )
    seen: list[tuple[str, float]] = []
    job = wait_job(
        new_state(), "f1", timeout=None, on_progress=lambda f: seen.append((f.state, f.progress))
    )
    flow = driver.drive(job)
    driver.assert_done()
    assert flow.state == "completed"
    assert seen == [("running", 0.2), ("running", 0.8), ("completed", 1.0)]
    assert len(driver.slept) == 4  # one pause after each look that did not end the wait


def test_wait_gives_up_at_its_deadline(clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """A flow that never moves ends the wait with WaitTimeout when the timeout has passed."""
    # The real polling pauses (on the fake clock), not the suite's no_delays() interval.
    monkeypatch.setattr(_retry, "_delays_disabled", False)
    monkeypatch.setattr(_retry, "_test_poll_interval", 0.0)
    start = clock.now
    driver = FakeDriver([Step("GET /flows/f1", _flow("running", 0.1)) for _ in range(200)], clock)
    with pytest.raises(WaitTimeout) as caught:
        driver.drive(wait_job(new_state(), "f1", timeout=30.0, on_progress=None))
    assert caught.value.last is not None
    assert caught.value.last.state == "running"
    assert clock.now - start == pytest.approx(30.0)  # the last pause stops at the deadline
    assert 3 <= len(driver.slept) < 200


def test_download_retries_a_broken_transfer_and_skips_failed_outputs(tmp_path: Path) -> None:
    """A download that broke off is started again; a failed output gets no file."""
    out = tmp_path / "out"
    written = out / "a1.glb"
    outputs = {
        "outputs": [
            {"asset_id": "a0", "status": "error"},
            {"asset_id": "a1", "status": "ready"},
        ]
    }
    driver = FakeDriver(
        [
            Step("GET /flows/f1/outputs", outputs),
            Step("DOWNLOAD /flows/f1/outputs/a1", _lost("GET", "/flows/f1/outputs/a1")),
            Step("DOWNLOAD /flows/f1/outputs/a1", Saved(written, "model/gltf-binary")),
        ]
    )
    listed, paths = driver.drive(download_outputs_job(new_state(), "f1", out))
    driver.assert_done()
    assert [a.id for a in listed] == ["a0", "a1"]
    assert listed[1].mime_type == "model/gltf-binary"  # the type of what was saved
    assert paths == [written]
    assert out.is_dir()  # made by the PrepareDir effect, performed by the driver
    assert isinstance(driver.effects[0], PrepareDir)
    downloads = [e for e in driver.effects if isinstance(e, Download)]
    assert [d.directory for d in downloads] == [out, out]
    assert isinstance(driver.effects[driver.effects.index(downloads[0]) + 1], Sleep)


def test_download_past_a_limit_is_not_tried_again(tmp_path: Path) -> None:
    """An output over max_download_bytes would be so again: raised at once, no retry."""
    too_large = ResponseTooLargeError(
        "too large", limit=10, method="GET", path="/x", status_code=200
    )
    driver = FakeDriver(
        [
            Step("GET /flows/f1/outputs", {"outputs": [{"asset_id": "a1", "status": "ready"}]}),
            Step("DOWNLOAD /flows/f1/outputs/a1", too_large),
        ]
    )
    with pytest.raises(ResponseTooLargeError):
        driver.drive(download_outputs_job(new_state(), "f1", tmp_path))
    driver.assert_done()
    assert driver.slept == []


def test_an_unreadable_answer_is_asked_again_only_when_idempotent() -> None:
    """A 2xx cut short is re-read for a GET (within budget) and handed over for a POST-like."""
    cut = _server_error("GET", "/flows/f1", 200)
    driver = FakeDriver([Step("GET /flows/f1", cut), Step("GET /flows/f1", _flow("running", 0.5))])
    flow = driver.drive(call(get_flow_op("f1"), new_state().budget()))
    driver.assert_done()
    assert flow.progress == 0.5
    assert len(driver.slept) == 1

    exhausted = FakeDriver([Step("GET /flows/f1", cut)] * 3)
    with pytest.raises(ServerError):
        exhausted.drive(call(get_flow_op("f1"), new_state(max_retries=2).budget()))
    exhausted.assert_done()

    patch = FakeDriver([Step("PATCH /flows/f1", _server_error("PATCH", "/flows/f1", 200))])
    with pytest.raises(ServerError):
        patch.drive(call(update_flow_op("f1", "start"), new_state(max_retries=0).budget()))


@pytest.fixture
def real_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    """Use the real polling pauses (on the fake clock), without jitter."""
    monkeypatch.setattr(_retry, "_delays_disabled", False)
    monkeypatch.setattr(_retry, "_test_poll_interval", 0.0)
    monkeypatch.setattr(_retry, "jitter", lambda: 0.0)


def _created(progress: float = 0.0) -> Flow:
    """Return a flow as the create's answer shows it: running, just begun."""
    return flow_from_json(_flow("running", progress))


MARGIN = PollSettings().margin


@pytest.mark.usefixtures("real_polls")
def test_a_new_flow_is_first_looked_at_after_its_templates_run_time(clock: FakeClock) -> None:
    """Once a flow of its template ran 2 s, a new flow is polled once, just after 2 s."""
    state = new_state()
    state.runs.note(TEMPLATE, 2.0)
    driver = FakeDriver([Step("GET /flows/f1", _flow("completed", 1.0))], clock)
    flow = driver.drive(wait_job(state, "f1", timeout=None, on_progress=None, first=_created()))
    driver.assert_done()
    assert flow.state == "completed"
    assert driver.slept == [pytest.approx(2.0 + MARGIN)]


@pytest.mark.usefixtures("real_polls")
def test_a_flow_longer_than_learned_is_followed_by_its_progress(clock: FakeClock) -> None:
    """A flow not done at the learned time is estimated from its progress rate, as before."""
    state = new_state()
    state.runs.note(TEMPLATE, 1.0)
    driver = FakeDriver(
        [
            Step("GET /flows/f1", _flow("running", 0.2)),
            Step("GET /flows/f1", _flow("completed", 1)),
        ],
        clock,
    )
    driver.drive(wait_job(state, "f1", timeout=None, on_progress=None, first=_created()))
    driver.assert_done()
    looked = 1.0 + MARGIN
    # 20% in `looked` seconds: done at 5 * looked; polled just after that.
    assert driver.slept == [pytest.approx(looked), pytest.approx(4 * looked + MARGIN)]


@pytest.mark.usefixtures("real_polls")
def test_a_queued_flow_without_progress_is_still_followed(clock: FakeClock) -> None:
    """A flow that shows no progress at the learned time is looked at again, less and less often."""
    state = new_state()
    state.runs.note(TEMPLATE, 1.0)
    steps = [Step("GET /flows/f1", _flow("queued", 0.0)) for _ in range(4)]
    driver = FakeDriver([*steps, Step("GET /flows/f1", _flow("completed", 1.0))], clock)
    flow = driver.drive(wait_job(state, "f1", timeout=None, on_progress=None, first=_created()))
    driver.assert_done()
    assert flow.state == "completed"
    first = PollSettings().first_delay
    assert driver.slept == pytest.approx(
        [1.0 + MARGIN, first * 2, first * 4, first * 8, first * 16]
    )


@pytest.mark.usefixtures("real_polls")
def test_a_wait_learns_the_run_time_from_the_service_clock(clock: FakeClock) -> None:
    """A completed flow's started_at/finished_at are learned, not the client's late look."""
    state = new_state()
    done = {
        **_flow("completed", 1.0),
        "started_at": "2026-01-01T00:00:00Z",
        "finished_at": "2026-01-01T00:00:01.500Z",
    }
    driver = FakeDriver(
        [Step("GET /flows/f1", _flow("running", 0.1)), Step("GET /flows/f1", done)], clock
    )
    driver.drive(wait_job(state, "f1", timeout=None, on_progress=None, first=_created()))
    driver.assert_done()
    assert state.runs.shortest(TEMPLATE) == 1.5


@pytest.mark.usefixtures("real_polls")
def test_without_timestamps_the_wait_learns_what_it_saw(clock: FakeClock) -> None:
    """Without the service's timestamps, the time from the create's answer to the end is learned."""
    state = new_state()
    start = clock.now
    driver = FakeDriver(
        [
            Step("GET /flows/f1", _flow("running", 0.1)),
            Step("GET /flows/f1", _flow("completed", 1)),
        ],
        clock,
    )
    driver.drive(wait_job(state, "f1", timeout=None, on_progress=None, first=_created()))
    assert state.runs.shortest(TEMPLATE) == pytest.approx(clock.now - start)


@pytest.mark.usefixtures("real_polls")
def test_failed_flows_and_waits_without_a_create_learn_nothing(clock: FakeClock) -> None:
    """A failed flow's run time, and a flow first seen by a poll, teach no client-side time."""
    state = new_state()
    driver = FakeDriver(
        [Step("GET /flows/f1", _flow("running", 0.1)), Step("GET /flows/f1", _flow("failed", 0.5))],
        clock,
    )
    driver.drive(wait_job(state, "f1", timeout=None, on_progress=None, first=_created()))
    driver = FakeDriver(
        [
            Step("GET /flows/f1", _flow("running", 0.1)),
            Step("GET /flows/f1", _flow("completed", 1)),
        ],
        clock,
    )
    driver.drive(wait_job(state, "f1", timeout=None, on_progress=None))
    assert state.runs.shortest(TEMPLATE) is None


@pytest.mark.usefixtures("real_polls")
def test_a_wait_without_its_create_ignores_the_learned_time(clock: FakeClock) -> None:
    """flows.wait() on a flow of unknown age does not wait the learned time before looking."""
    state = new_state()
    state.runs.note(TEMPLATE, 5.0)
    driver = FakeDriver(
        [
            Step("GET /flows/f1", _flow("running", 0.0)),
            Step("GET /flows/f1", _flow("completed", 1)),
        ],
        clock,
    )
    driver.drive(wait_job(state, "f1", timeout=None, on_progress=None))
    assert driver.slept == [pytest.approx(PollSettings().first_delay)]


def test_a_jobs_ended_news_reaches_its_driver_s_listener_not_the_driver() -> None:
    """Ended is no effect to perform: the Stepper calls the listener and the job goes on."""
    from generio._jobs.effects import Ended, Job, Stepper

    heard: list[str] = []

    def job() -> Job[str]:
        yield Sleep(1.0)
        heard.append("before")
        yield Ended()
        heard.append("after")
        yield Sleep(2.0)
        return "done"

    stepper = Stepper(job(), lambda: heard.append("ended"))
    seen = []
    while (effect := stepper.advance()) is not None:
        seen.append(effect)
        stepper.succeed(None)
    assert stepper.result == "done"
    assert seen == [Sleep(1.0), Sleep(2.0)]
    assert heard == ["before", "ended", "after"]
    driver = FakeDriver([])  # no listener: the news is dropped
    assert driver.drive(job()) == "done"
    assert driver.slept == [1.0, 2.0]
