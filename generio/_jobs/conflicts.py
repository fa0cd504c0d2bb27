"""State conflicts judged by the flow's state, whatever status code the service picked.

Our spec answers a request the flow's state forbids with 409; that is our guess. Another
service may say 400, 412 or 423. So a refusal with any of :data:`CONFLICT_STATUSES` is
judged by fetching the flow:

* after a retry, a flow already where the action leads was moved there by the first
  attempt, whose answer was lost: the call succeeded;
* a state that forbids the action proves a conflict: :class:`~generio.ConflictError`,
  keeping the service's status, words and headers;
* anything else (the state allows the action, or is one this version does not know): the
  service's own error is raised unchanged.

A 409 without a retry needs no look: it already says conflict.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from generio._errors import APIStatusError, ConflictError, GenerioError, NotFoundError
from generio._http.operations import get_flow_op
from generio._jobs.effects import Job
from generio._jobs.polling import TERMINAL_STATES
from generio._jobs.retries import call
from generio._jobs.state import ClientState
from generio._payload.models import Flow

__all__ = [
    "CONFLICT_STATUSES",
    "as_conflict",
    "is_conflict_status",
    "judge_action",
    "judge_delete",
    "judged",
]

T = TypeVar("T")

#: Statuses a service may use to refuse what the flow's state forbids.
CONFLICT_STATUSES = frozenset({400, 409, 412, 423})
_KNOWN = frozenset({"created", "starting", "running", "aborting"}) | TERMINAL_STATES
_ABORTED = frozenset({"aborting", "aborted"})
#: The states each request is allowed in (docs).
_ALLOWED: dict[str, frozenset[str]] = {
    "start": frozenset({"created"}),
    "abort": frozenset({"starting", "running"}),
    "delete": frozenset({"created"}) | TERMINAL_STATES,
    "upload an input": frozenset({"created"}),
    "read outputs": TERMINAL_STATES,
}
#: Whether the flow's state shows that an action was already carried out.
_DONE: dict[str, Callable[[str], bool]] = {
    "start": lambda state: state != "created",
    "abort": lambda state: state in _ABORTED,
}


def is_conflict_status(error: APIStatusError) -> bool:
    """Whether the error's status is one a service may use for a state conflict."""
    return error.status_code in CONFLICT_STATUSES


def _proves_conflict(request: str, state: str) -> bool:
    if request in ("start", "upload an input"):
        return state != "created"  # any other state, known or not, is past created
    return state in _KNOWN and state not in _ALLOWED[request]


def as_conflict(error: APIStatusError, flow: Flow, request: str) -> ConflictError:
    """Return the :class:`ConflictError` for ``error``, which the flow's state proves a conflict."""
    if isinstance(error, ConflictError):
        return error
    conflict = ConflictError(
        f"{error.message} The flow {flow.id} is {flow.state}: it cannot {request} now "
        f"(a state conflict, though answered HTTP {error.status_code}).",
        method=error.method,
        path=error.path,
        status_code=error.status_code,
        detail=error.detail,
        body=error.body,
        code=error.code,
        headers=error.headers,
    )
    conflict.__cause__ = error
    return conflict


def _look(state: ClientState, flow_id: str, error: APIStatusError) -> Job[Flow]:
    """Fetch the flow to judge ``error``; if that fails too, ``error`` stands."""
    try:
        flow: Flow = yield from call(get_flow_op(flow_id), state.budget())
    except NotFoundError:
        raise
    except GenerioError:
        raise error from None
    return flow


def judge_action(
    state: ClientState, flow_id: str, action: str, error: APIStatusError, *, retried: bool
) -> Job[Flow]:
    """Return the flow if a refused ``start``/``abort`` was in fact done; else the right error.

    Raises:
        ConflictError: the flow's state forbids the action.
        APIStatusError: ``error``, when the state proves nothing.
    """
    if isinstance(error, ConflictError) and not retried:
        raise error
    try:
        flow = yield from _look(state, flow_id, error)
    except NotFoundError:
        raise error from None
    if retried and _DONE[action](flow.state):
        return flow
    if _proves_conflict(action, flow.state):
        raise as_conflict(error, flow, action)
    raise error


def judge_delete(
    state: ClientState, flow_id: str, error: APIStatusError, *, retried: bool
) -> Job[None]:
    """Return if a refused delete was in fact done (the flow is gone); else the right error.

    Raises:
        ConflictError: the flow's state forbids deleting it (it runs).
        APIStatusError: ``error``, when the state proves nothing.
    """
    if isinstance(error, ConflictError) and not retried:
        raise error
    try:
        flow = yield from _look(state, flow_id, error)
    except NotFoundError:
        if retried:
            return  # the lost first attempt deleted it
        raise error from None
    if _proves_conflict("delete", flow.state):
        raise as_conflict(error, flow, "delete")
    raise error


def judged(state: ClientState, flow_id: str, request: str, job: Job[T]) -> Job[T]:
    """Run ``job`` (an upload, a read of outputs); judge a refusal by the flow's state.

    Args:
        state: the client's state.
        flow_id: the flow the request is about.
        request: ``"upload an input"`` or ``"read outputs"``, for the judgement and messages.
        job: the request's job.

    Raises:
        ConflictError: refused with a conflict status, and the flow's state forbids it.
    """
    try:
        return (yield from job)
    except ConflictError:
        raise
    except APIStatusError as exc:
        if not is_conflict_status(exc):
            raise
        try:
            flow = yield from _look(state, flow_id, exc)
        except NotFoundError:
            raise exc from None
        if _proves_conflict(request, flow.state):
            raise as_conflict(exc, flow, request) from None
        raise
