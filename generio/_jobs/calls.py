"""The single requests as jobs: templates, start, abort, delete, listings that follow pages."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urljoin, urlsplit, urlunsplit

from generio._degrade import degraded
from generio._errors import APIStatusError, ConflictError, GenerioError, NotFoundError
from generio._http.bounded import too_many
from generio._http.operations import (
    Operation,
    delete_flow_op,
    get_flow_op,
    get_template_op,
    list_flows_op,
    list_templates_op,
    page_op,
    update_flow_op,
)
from generio._jobs.effects import Job
from generio._jobs.retries import Patience, call, patiently
from generio._jobs.state import ClientState
from generio._payload.json_bounds import MAX_LISTING_ENTRIES
from generio._payload.models import TERMINAL_STATES, Flow, Template
from generio._types import FlowAction

if TYPE_CHECKING:
    from generio._payload.wire import Page

logger = logging.getLogger("generio")
T = TypeVar("T")
#: The most pages one listing reads: MAX_LISTING_ENTRIES at 10 a page (10,000; the page
#: size is not documented), while endless pages of a few entries each still end.
MAX_PAGES = MAX_LISTING_ENTRIES // 10
#: Statuses a service may use to refuse what the flow's state forbids.
CONFLICT_STATUSES = frozenset({400, 409, 412, 423})
_KNOWN = frozenset({"created", "starting", "running", "aborting"}) | TERMINAL_STATES
#: The states each request is allowed in (docs).
_ALLOWED: dict[str, frozenset[str]] = {
    "abort": frozenset({"starting", "running"}),
    "delete": frozenset({"created"}) | TERMINAL_STATES,
    "read outputs": TERMINAL_STATES,
}
#: Whether the flow's state shows that an action was already carried out.
_DONE: dict[str, Callable[[str], bool]] = {
    "start": lambda state: state != "created",
    "abort": lambda state: state in {"aborting", "aborted"},
}


def request_job(state: ClientState, op: Operation[T], deadline: float | None = None) -> Job[T]:
    """One request as a whole logical call, with its own retry budget (and deadline)."""
    budget = state.budget()
    budget.deadline = deadline
    return (yield from call(op, budget))


def patient_job(state: ClientState, op: Operation[T]) -> Job[T]:
    """One read about a paid flow, riding out transient failures until ``download_timeout``."""
    patience = Patience.start(state.settings.download_timeout)
    return (
        yield from patiently(patience, functools.partial(request_job, state, op, patience.deadline))
    )


def list_templates_job(state: ClientState) -> Job[list[Template]]:
    """All templates; refreshes the client's cache."""
    templates: list[Template] = yield from call(list_templates_op(), state.budget())
    state.remember(templates)
    return templates


def get_template_job(state: ClientState, id_or_name: str) -> Job[Template]:
    """One template, always fetched; refreshes the cache."""
    template: Template = yield from call(get_template_op(id_or_name), state.budget())
    state.remember([template])
    return template


def prefetch_templates_job(state: ClientState, jobs: Iterable[object]) -> Job[None]:
    """Fill the template cache once before many runs start together (a batch)."""
    names = {job.get("template") for job in jobs if isinstance(job, Mapping)} - {None}
    if not any(isinstance(n, str) and state.cached_template(n) is None for n in names):
        return
    try:
        yield from list_templates_job(state)
    except GenerioError as exc:
        logger.debug("could not prefetch templates: %s", exc)


def _proves_conflict(request: str, state: str) -> bool:
    if request in ("start", "upload an input"):
        return state != "created"  # any other state, known or not, is past created
    return state in _KNOWN and state not in _ALLOWED[request]


def _judge(
    state: ClientState, flow_id: str, request: str, error: APIStatusError, *, retried: bool
) -> Job[Flow | None]:
    """Judge a refusal by the flow's state: the flow if a lost first attempt did the work."""
    if isinstance(error, ConflictError) and not retried:
        raise error  # a 409 already says conflict
    try:
        flow: Flow = yield from call(get_flow_op(flow_id), state.budget())
    except NotFoundError:
        if retried and request == "delete":
            return None
        raise error from None
    except GenerioError:
        raise error from None
    if retried and request in _DONE and _DONE[request](flow.state):
        return flow
    if not _proves_conflict(request, flow.state):
        raise error
    if isinstance(error, ConflictError):
        raise error from None
    raise ConflictError(
        f"{error.message} The flow {flow.id} is {flow.state}: it cannot {request} now "
        f"(a state conflict, though answered HTTP {error.status_code}).",
        method=error.method,
        path=error.path,
        status_code=error.status_code,
        detail=error.detail,
        body=error.body,
        code=error.code,
        headers=error.headers,
    ) from None


def judged(state: ClientState, flow_id: str, request: str, job: Job[T]) -> Job[T]:
    """Run ``job`` (``"upload an input"``, ``"read outputs"``); judge a conflict refusal."""
    try:
        return (yield from job)
    except APIStatusError as exc:
        if exc.status_code not in CONFLICT_STATUSES:
            raise
        yield from _judge(state, flow_id, request, exc, retried=False)  # a 409 is raised as is
        raise  # pragma: no cover - _judge raises when not retried


def action_job(state: ClientState, flow_id: str, action: FlowAction) -> Job[Flow]:
    """Start or abort a flow; a refused retry that finds it done counts as done."""
    budget = state.budget()
    try:
        flow: Flow | None = yield from call(update_flow_op(flow_id, action), budget)
    except APIStatusError as exc:
        if exc.status_code not in CONFLICT_STATUSES:
            raise
        flow = yield from _judge(state, flow_id, action, exc, retried=budget.retried)
    if flow is None:  # a success that is not a flow: the caller wants the flow
        flow = yield from call(get_flow_op(flow_id), state.budget())
    return flow


def delete_job(state: ClientState, flow_id: str) -> Job[None]:
    """Delete a flow; a retried delete that meets 404 met its own first attempt's success."""
    budget = state.budget()
    try:
        yield from call(delete_flow_op(flow_id), budget)
    except NotFoundError:
        if not budget.retried:
            raise
    except APIStatusError as exc:
        if exc.status_code not in CONFLICT_STATUSES:
            raise
        yield from _judge(state, flow_id, "delete", exc, retried=budget.retried)


def resolve_link(base_url: str, current: str, link: str) -> str | None:
    """Return the path and query (below ``base_url``) a ``next`` link points to."""
    base = base_url.rstrip("/")
    target = urlsplit(urljoin(base + current, link))
    root = urlsplit(base)
    prefix = root.path.rstrip("/")
    same_origin = (target.scheme, target.netloc) == (root.scheme, root.netloc)
    if not same_origin or not (target.path == prefix or target.path.startswith(prefix + "/")):
        return None
    return urlunsplit(("", "", target.path[len(prefix) :] or "/", target.query, ""))


def list_all_job(state: ClientState, first: Operation[Page[T]]) -> Job[list[T]]:
    """Every entry of a list, following ``next`` links within the bounds above."""
    budget = state.budget()
    op, items, seen = first, [], set()
    for _ in range(MAX_PAGES):
        page: Page[T] = yield from call(op, budget)
        items.extend(page.items)
        if len(items) > MAX_LISTING_ENTRIES:
            raise too_many(
                first.method,
                first.path,
                MAX_LISTING_ENTRIES,
                "entries in one listing (all its pages)",
            )
        if page.next is None:
            return items
        path = resolve_link(state.settings.base_url, op.path, page.next)
        if path is None:
            degraded("next_link_elsewhere", f"A next link leaves {state.settings.base_url}.")
            return items
        if path in seen:
            degraded("next_link_loop", "A next link pointed to a page already read.")
            return items
        seen.add(path)
        op = page_op(first, path)
    # Half an account is no answer to "the account's flows": past the bound, a typed error.
    raise too_many(first.method, first.path, MAX_PAGES, "pages in one listing (next links)")


def list_flows_job(
    state: ClientState,
    flow_state: str | None,
    sort_by: str | None,
    query: Mapping[str, Any] | None = None,
) -> Job[list[Flow]]:
    """All the account's flows (every page), optionally filtered and sorted."""
    return (yield from list_all_job(state, list_flows_op(flow_state, sort_by, query)))
