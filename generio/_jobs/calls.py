"""The facade's logic as jobs (see ``_jobs/effects.py``): one generator per public call.

The sync and async clients only build these and drive them; nothing here does I/O.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from typing import TypeVar

from generio._errors import (
    APIStatusError,
    GenerioError,
    NotFoundError,
)
from generio._http.operations import (
    Operation,
    delete_flow_op,
    get_flow_op,
    get_template_op,
    list_templates_op,
    update_flow_op,
)
from generio._jobs.conflicts import is_conflict_status, judge_action, judge_delete
from generio._jobs.effects import Job
from generio._jobs.retries import call
from generio._jobs.state import ClientState
from generio._payload.models import Asset, Flow, Template
from generio._types import FlowAction

__all__ = [
    "abort_job",
    "as_sources",
    "delete_job",
    "get_template_job",
    "list_templates_job",
    "prefetch_templates_job",
    "request_job",
    "start_job",
]

logger = logging.getLogger("generio")
T = TypeVar("T")


def request_job(state: ClientState, op: Operation[T], deadline: float | None = None) -> Job[T]:
    """One request as a whole logical call, with its own retry budget (and deadline)."""
    budget = state.budget()
    budget.deadline = deadline
    return (yield from call(op, budget))


def list_templates_job(state: ClientState) -> Job[list[Template]]:
    """All templates; refreshes the client's cache."""
    templates: list[Template] = yield from call(list_templates_op(), state.budget())
    state.remember(templates)
    return templates


def prefetch_templates_job(state: ClientState, jobs: Iterable[object]) -> Job[None]:
    """Fill the template cache once before many runs start together.

    Without it, every concurrent first run misses the cache and fetches its template: one
    request per job at the moment the service is busiest. A failure here is ignored: each
    job then meets (and reports) it on its own.
    """
    names = {job.get("template") for job in jobs if isinstance(job, Mapping)} - {None}
    if not any(isinstance(n, str) and state.cached_template(n) is None for n in names):
        return
    try:
        yield from list_templates_job(state)
    except GenerioError as exc:
        logger.debug("could not prefetch templates: %s", exc)


def get_template_job(state: ClientState, id_or_name: str) -> Job[Template]:
    """One template, always fetched; refreshes the cache."""
    template: Template = yield from call(get_template_op(id_or_name), state.budget())
    state.remember([template])
    return template


def _action_job(state: ClientState, flow_id: str, action: FlowAction) -> Job[Flow]:
    budget = state.budget()
    try:
        flow: Flow | None = yield from call(update_flow_op(flow_id, action), budget)
    except APIStatusError as exc:
        if not is_conflict_status(exc):
            raise
        return (yield from judge_action(state, flow_id, action, exc, retried=budget.retried))
    if flow is None:  # a success that is not a flow: the caller wants the flow
        flow = yield from call(get_flow_op(flow_id), state.budget())
    return flow


def start_job(state: ClientState, flow_id: str) -> Job[Flow]:
    """Start a flow created without inputs.

    A refusal (409, or the 400/412/423 another service may pick) is judged by the flow's
    state: after a retry, a flow past ``created`` was started by the first attempt, whose
    answer was lost, and that counts as started; otherwise a state that forbids the start
    is a :class:`ConflictError`. See ``_jobs/conflicts.py``.
    """
    return _action_job(state, flow_id, "start")


def abort_job(state: ClientState, flow_id: str) -> Job[Flow]:
    """Abort a starting or running flow.

    A refused abort on an aborting or aborted flow after a retry counts as done, as in
    :func:`start_job`.
    """
    return _action_job(state, flow_id, "abort")


def delete_job(state: ClientState, flow_id: str) -> Job[None]:
    """Delete a flow; any 2xx answer is a success.

    A retried delete that meets 404 met its own first attempt's success. A refusal with a
    conflict status is judged by the flow's state (see ``_jobs/conflicts.py``).
    """
    budget = state.budget()
    try:
        yield from call(delete_flow_op(flow_id), budget)
    except NotFoundError:
        if not budget.retried:
            raise
    except APIStatusError as exc:
        if not is_conflict_status(exc):
            raise
        yield from judge_delete(state, flow_id, exc, retried=budget.retried)


def as_sources(inputs: object) -> list[object]:
    """One input or a sequence of them, as a list (None is no input).

    A mapping is one input in the API's shape (``{"data": ..., "additional": ...}``), never
    a collection of its keys.

    Raises:
        InputError: a mapping of another shape, or a set (nothing is sent).
    """
    # The input checks (and the data-URI codec) load on the first call that has inputs.
    from generio._payload.inputs import check_shape

    if inputs is None:
        return []
    single = (str, bytes, bytearray, memoryview, os.PathLike, Asset, Mapping)
    check_shape(inputs)
    if isinstance(inputs, single) or hasattr(inputs, "read"):
        return [inputs]
    if isinstance(inputs, Iterable):
        sources = list(inputs)
        for source in sources:
            check_shape(source)
        return sources
    return [inputs]
