"""Conflict judgement, action answers and page following, driven by a scripted fake driver."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from generio import APIStatusError, ConflictError, NotFoundError
from generio._http.settings import NOT_GIVEN, resolve_settings
from generio._jobs.calls import action_job, delete_job, list_flows_job
from generio._jobs.effects import Call, Effect, Job, Sleep, Stepper
from generio._jobs.state import ClientState
from generio._payload.error_body import error_from_response
from generio._payload.models import Flow
from generio._payload.wire import Page, flow_from_json

Answer = Callable[[Call[Any]], Any]


def _state() -> ClientState:
    settings = resolve_settings(
        "sk-test-key-123456",
        "https://flows.example/api",
        timeout=NOT_GIVEN,
        max_retries=2,
        allow_insecure=False,
        environ={},
    )
    return ClientState(settings)


def drive(job: Job[Any], answer: Answer, log: list[str]) -> Any:
    """Run ``job``, answering each call with ``answer`` and noting ``METHOD path``."""
    stepper = Stepper(job)
    while (effect := stepper.advance()) is not None:
        try:
            stepper.succeed(_perform(effect, answer, log))
        except Exception as exc:
            stepper.fail(exc)
    return stepper.result


def _perform(effect: Effect, answer: Answer, log: list[str]) -> Any:
    if isinstance(effect, Sleep):
        return None
    assert isinstance(effect, Call)
    log.append(f"{effect.op.method} {effect.op.path}")
    return answer(effect)


def _flow(state: str) -> Flow:
    return flow_from_json({"flow_id": "f1", "state": state})


def _refusal(method: str, status: int) -> APIStatusError:
    body = json.dumps({"detail": "refused"}).encode()
    return error_from_response(method, "/flows/f1", status, body, {"x-request-id": "r1"})


def _script(status: int, state: str | None, *, retried: bool = False) -> Answer:
    """Refuse the mutation with ``status`` (after a retry if ``retried``); GET says ``state``."""

    def answer(call: Call[Any]) -> Any:
        if call.op.method == "GET":
            if state is None:
                raise error_from_response("GET", call.op.path, 404, b"{}", {})
            return _flow(state)
        if retried:
            call.budget.take()  # as the transport does when it retries
        raise _refusal(call.op.method, status)

    return answer


@pytest.mark.parametrize("status", [400, 412, 423])
def test_a_refused_start_on_a_running_flow_is_a_conflict(status: int) -> None:
    """The flow's state (running) proves the conflict: ConflictError keeping the status."""
    log: list[str] = []
    with pytest.raises(ConflictError) as caught:
        drive(action_job(_state(), "f1", "start"), _script(status, "running"), log)
    assert caught.value.status_code == status
    assert caught.value.request_id == "r1"
    assert "refused" in str(caught.value)
    assert log == ["PATCH /flows/f1", "GET /flows/f1"]


def test_a_refusal_the_state_does_not_explain_stays_the_services_error() -> None:
    """400 on a start of a created flow is no conflict: the service's own error stands."""
    with pytest.raises(APIStatusError) as caught:
        drive(action_job(_state(), "f1", "start"), _script(400, "created"), [])
    assert type(caught.value) is APIStatusError
    with pytest.raises(APIStatusError) as unknown:
        drive(action_job(_state(), "f1", "abort"), _script(400, "queued"), [])
    assert type(unknown.value) is APIStatusError


@pytest.mark.parametrize("status", [400, 409, 412, 423])
def test_a_refused_retry_after_a_lost_answer_counts_as_done(status: int) -> None:
    """After a retry, a flow already started (or aborted) was moved by the first attempt."""
    log: list[str] = []
    assert drive(
        action_job(_state(), "f1", "start"), _script(status, "running", retried=True), log
    ).id
    assert drive(
        action_job(_state(), "f1", "abort"), _script(status, "aborted", retried=True), log
    ).id
    assert log.count("GET /flows/f1") == 2


def test_a_409_without_a_retry_needs_no_look() -> None:
    """A 409 that answers the caller's own request is raised at once, without a GET."""
    log: list[str] = []
    with pytest.raises(ConflictError):
        drive(action_job(_state(), "f1", "start"), _script(409, "running"), log)
    assert log == ["PATCH /flows/f1"]


def test_an_action_answered_with_no_flow_fetches_it() -> None:
    """A PATCH whose 2xx body is no flow (None from the reader) is followed by a GET."""
    log: list[str] = []

    def answer(call: Call[Any]) -> Any:
        return None if call.op.method == "PATCH" else _flow("starting")

    assert drive(action_job(_state(), "f1", "start"), answer, log).state == "starting"
    assert log == ["PATCH /flows/f1", "GET /flows/f1"]


def test_delete_refusals_judged_by_state() -> None:
    """Deleting a running flow is a conflict; after a retry, a gone flow means deleted."""
    with pytest.raises(ConflictError) as caught:
        drive(delete_job(_state(), "f1"), _script(423, "running"), [])
    assert caught.value.status_code == 423
    assert drive(delete_job(_state(), "f1"), _script(400, None, retried=True), []) is None
    with pytest.raises(APIStatusError) as gone:  # no retry: the 400 answered our request
        drive(delete_job(_state(), "f1"), _script(400, None), [])
    assert not isinstance(gone.value, NotFoundError)


def test_list_follows_relative_and_absolute_links_under_the_base_path() -> None:
    """Pages chain by relative and absolute links, under the base URL's path prefix."""
    log: list[str] = []
    pages = {
        "/flows": Page([_flow("created")], "flows?page=2"),
        "/flows?page=2": Page([_flow("running")], "https://flows.example/api/flows?page=3"),
        "/flows?page=3": Page([_flow("completed")], None),
    }
    flows = drive(list_flows_job(_state(), None, None), lambda c: pages[c.op.path], log)
    assert [f.state for f in flows] == ["created", "running", "completed"]
    assert log == ["GET /flows", "GET /flows?page=2", "GET /flows?page=3"]
