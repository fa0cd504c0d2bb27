"""Creating flows and uploading inputs without ever doing it twice.

The service bills every created flow and does not de-duplicate requests. A ``POST`` whose
answer was lost (a read timeout, a connection dropped after sending, a 5xx, a 200 whose
body arrived cut) may or may not have done its work, so it is never simply repeated.

``POST /flows`` always carries an idempotency key in the flow's ``additional``
(``_idempotency.py``): the caller's, or a fresh random one per logical call.

1. With the caller's key, first look for a flow created with it, by any client or process
   (``_keyed.find_keyed``): same fingerprint, it is returned and nothing is created; another
   fingerprint, :class:`~generio.IdempotencyConflictError`. A random key is new, so it
   needs no look. Calls of one client with the same key take turns.
2. After an ambiguous failure, look for the flow carrying this call's key, created since
   the call began (less :data:`CLOCK_SKEW`), and adopt it; nothing else is ever adopted.
3. Otherwise repeat the POST, within the call's retry budget.

``POST /flows/{id}/inputs`` has no key: a lost upload is reconciled by looking for an input
that was not there before the first attempt and that no call of this client has claimed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import attrs

from generio._body import JsonBody, create_body, dumps, upload_body
from generio._degrade import degraded
from generio._effects import Call, Job, Sleep
from generio._errors import (
    APIConnectionError,
    APIStatusError,
    InputError,
    ServerError,
)
from generio._idempotency import Marker, check_key, new_key, wire_additional
from generio._inputs import Prepared, check_accepted, needs_fetch, prepare, unwrap
from generio._keyed import check_same, find_keyed, fingerprint
from generio._models import Asset, Flow, Template, unknown_template
from generio._operations import (
    Operation,
    create_flow_op,
    get_flow_op,
    get_input_op,
    get_output_op,
    get_template_op,
    list_inputs_op,
    upload_input_op,
)
from generio._retry import Budget, delay, is_unsent
from generio._state import ClientState

__all__ = [
    "CLOCK_SKEW",
    "CreateProgress",
    "create_job",
    "is_ambiguous",
    "prepare_job",
    "prepare_local",
    "template_job",
    "upload_job",
]

#: How far the service's clock may be behind ours when matching "created after we began".
CLOCK_SKEW = timedelta(seconds=30)
#: Statuses after which a POST may or may not have been carried out.
_AMBIGUOUS_STATUSES = frozenset({408, 500, 502, 503, 504})


def is_ambiguous(error: BaseException) -> bool:
    """Whether a failed POST may have been carried out anyway."""
    if isinstance(error, APIConnectionError):
        return not is_unsent(error.__cause__) if error.__cause__ else True
    if isinstance(error, ServerError):  # a 5xx, or a 2xx whose body could not be read
        return True
    return isinstance(error, APIStatusError) and error.status_code in _AMBIGUOUS_STATUSES


def template_job(state: ClientState, template: str | Template) -> Job[Template]:
    """Resolve a template by name, id or object; fetched once per client."""
    if isinstance(template, Template):
        return template
    if not isinstance(template, str) or not template:
        raise InputError(f"template must be a template name, id or Template, not {template!r}.")
    cached = state.cached_template(template)
    if cached is not None:
        return cached
    try:
        found: Template = yield Call(get_template_op(template), state.budget())
    except ServerError as exc:
        if not 200 <= exc.status_code < 300:
            raise
        # A success whose body we cannot read: our guess of the template's shape is wrong.
        # Local checks step aside and the service judges the request (see _inputs.py).
        # Remembered, so a batch does not ask (and retry) again for every flow.
        degraded("template_unreadable", f"Template {template!r} could not be read: {exc}")
        found = unknown_template(template)
    state.remember([found])
    return found


def prepare_local(
    sources: Sequence[object], *, mime_type: str | None = None, additional: Any = None
) -> dict[int, Prepared]:
    """Check every input that needs no request, before anything is asked of the service.

    Raises:
        InputError: an input is missing, empty, of an unknown type or kind.
    """
    return {
        index: prepare(source, mime_type=mime_type, additional=additional)
        for index, source in enumerate(sources)
        if needs_fetch(source) is None
    }


def prepare_job(
    state: ClientState,
    sources: Sequence[object],
    local: Mapping[int, Prepared],
    template: Template,
    *,
    mime_type: str | None = None,
    additional: Any = None,
) -> Job[list[Prepared]]:
    """Complete :func:`prepare_local` and check every input against the template.

    Assets that came without data are fetched first.

    Raises:
        InputError: an input is unusable or not accepted by the template.
    """
    prepared: list[Prepared] = []
    for index, source in enumerate(sources):
        item = local.get(index)
        if item is None:
            data, own = unwrap(source, additional)
            fetched = yield from _fetch(state, data)
            item = prepare(fetched, mime_type=mime_type, additional=own)
        check_accepted(item, template, index if len(sources) > 1 else None)
        prepared.append(item)
    return prepared


def _fetch(state: ClientState, source: object) -> Job[Asset]:
    """Fetch the content of an asset that came without it (from a listing)."""
    assert isinstance(source, Asset)  # noqa: S101 - needs_fetch said so
    if source.flow_id is None or source.kind not in ("input", "output"):
        raise InputError(
            f"asset {source.id} carries no data and no flow to fetch it from; "
            "pass one returned by flows.output() or flows.input()."
        )
    builder = get_output_op if source.kind == "output" else get_input_op
    asset: Asset = yield Call(builder(source.flow_id, source.id), state.budget())
    return asset


@attrs.define
class CreateProgress:
    """How far a create got, for ``run()``'s clean-up after an interruption.

    Attributes:
        key: the idempotency key the create uses.
        explicit: whether the caller gave it (then an earlier flow with it is looked for).
        posted: whether a ``POST /flows`` may have been sent (then a flow may exist).
        began: the earliest creation time a flow of this call can have.
        template: the resolved template's name, once known.
    """

    key: str
    explicit: bool = False
    posted: bool = False
    began: datetime = attrs.field(factory=lambda: datetime.now(UTC) - CLOCK_SKEW)
    template: str | None = None


def _as_json(value: Any, what: str) -> Any:
    """``value`` after a JSON round trip, as the service will hand it back."""
    return json.loads(dumps(value, what))


def create_job(
    state: ClientState,
    template: str | Template,
    sources: Sequence[object],
    parameters: Mapping[str, Any] | None,
    additional: Any,
    idempotency_key: str | None = None,
    progress: CreateProgress | None = None,
) -> Job[Flow]:
    """Create a flow (started at once when it has inputs), at most once per key.

    Args:
        state: the client's state.
        template: a template name, id or object.
        sources: the inputs.
        parameters: the template's parameters.
        additional: the caller's JSON for the flow.
        idempotency_key: the caller's key; None makes a random one.
        progress: the key to use, filled in as the create goes (``run()`` uses it to
            clean up); replaces ``idempotency_key``.

    Raises:
        InputError: bad inputs, parameters or key, found before anything is created.
        IdempotencyConflictError: the key was used for a different request.
        APIError: the service refused, or was unreachable within the retry budget.
    """
    if parameters is not None and not isinstance(parameters, Mapping):
        raise InputError(f"parameters must be a mapping of names to values, not {parameters!r}.")
    if progress is None:
        explicit = idempotency_key is not None
        progress = CreateProgress(check_key(idempotency_key) if explicit else new_key(), explicit)
    key, explicit = progress.key, progress.explicit
    sent_parameters = _as_json(dict(parameters or {}), "parameters")
    dumps(additional, "additional")
    local = prepare_local(sources)  # a missing file fails before any request
    resolved = yield from template_job(state, template)
    prepared = yield from prepare_job(state, sources, local, resolved)
    marker = Marker(key, fingerprint(resolved.name, sent_parameters, prepared))
    body = create_body(resolved.name, parameters, wire_additional(additional, marker), prepared)
    progress.template = resolved.name
    if not explicit:
        return (yield from _post_flow(state, body, marker, progress))
    while not state.hold_key(key):  # a call of this client is creating with this key now
        yield Sleep(_KEY_TURN)
    try:
        existing = yield from find_keyed(state, key, resolved.name, None, state.budget())
        if existing is not None:
            return check_same(existing, marker)
        return (yield from _post_flow(state, body, marker, progress))
    finally:
        state.release_key(key)


#: Seconds between looks while another call of this client holds the same key.
_KEY_TURN = 0.02


def _post_flow(
    state: ClientState, body: JsonBody, marker: Marker, progress: CreateProgress
) -> Job[Flow]:
    """Send ``POST /flows``; after an ambiguous failure adopt the flow with our key, if any."""
    op = create_flow_op(body)
    budget = state.budget()
    template = progress.template or ""
    while True:
        progress.posted = True
        try:
            created: Flow = yield Call(op, budget)
        except (APIConnectionError, APIStatusError) as exc:
            if not is_ambiguous(exc):
                raise
            failure = exc
        else:
            state.remember_marker(created.id, marker)  # look-ups need not read it again
            return created
        try:
            found = yield from find_keyed(state, marker.key, template, progress.began, budget)
        except (APIConnectionError, APIStatusError) as exc:
            raise _unknown_outcome(op, "a flow", failure) from exc
        if found is not None:
            return check_same(found, marker)
        yield from _backoff(budget, failure)


C = TypeVar("C", Flow, Asset)


def _post_once(
    state: ClientState,
    budget: Budget,
    op: Operation[C],
    find: Callable[[], Job[C | None]],
    thing: str,
) -> Job[C]:
    """Send a POST that must take effect once: reconcile before any repeat.

    Args:
        state: the client's state (claims).
        budget: the logical call's retry budget.
        op: the POST.
        find: looks for (and claims) what a lost attempt created.
        thing: what the POST creates, for messages.
    """
    while True:
        failure: Exception | None = None
        try:
            created: C = yield Call(op, budget)
            if state.claim(created.id):
                return created
            # A concurrent call of this client adopted our flow: find the one it left.
        except (APIConnectionError, APIStatusError) as exc:
            if not is_ambiguous(exc):
                raise
            failure = exc
        try:
            found = yield from find()
        except (APIConnectionError, APIStatusError) as exc:
            raise _unknown_outcome(op, thing, failure or exc) from exc
        if found is not None:
            return found
        if failure is not None:
            yield from _backoff(budget, failure)


def _find_input(
    state: ClientState, flow_id: str, known: set[str], additional: Any, budget: Budget
) -> Job[Asset | None]:
    """Find and claim an input a lost upload added: one not there before, unclaimed."""
    after: list[Asset] = yield Call(list_inputs_op(flow_id, False), budget)
    for candidate in after:
        if candidate.id in known or candidate.additional != additional:
            continue
        if state.claim(candidate.id):
            return candidate
    return None


def _unknown_outcome(op: Operation[Any], thing: str, cause: Exception) -> APIConnectionError:
    """Build the error for a POST whose effect could not be checked (no retry)."""
    return APIConnectionError(
        f"{op.method} {op.path} failed ({cause}) and checking whether it created {thing} "
        f"failed too, so generio did not retry it (a retry could create {thing} twice). "
        "What to do: list them to see whether it exists before trying again.",
        method=op.method,
        path=op.path,
    )


def _backoff(budget: Budget, failure: Exception) -> Job[None]:
    """Wait before repeating a POST that provably did nothing, or give up.

    A ``Retry-After`` the failure carried (a 429, or a 503 that says when) is honoured, as
    the transports honour it for every other retry.
    """
    if budget.exhausted:
        raise failure
    retry_after = failure.retry_after if isinstance(failure, APIStatusError) else None
    yield Sleep(delay(budget.take(), retry_after))


def upload_job(
    state: ClientState,
    flow_id: str,
    source: object,
    additional: Any,
    mime_type: str | None,
) -> Job[Asset]:
    """Add one input to a flow in ``created``, never twice.

    Raises:
        InputError: the input is unusable or not accepted by the flow's template.
        APIError: the service refused (409 when the flow is past ``created``), or was
            unreachable within the retry budget.
    """
    local = prepare_local([source], mime_type=mime_type, additional=additional)
    flow: Flow = yield Call(get_flow_op(flow_id), state.budget())
    template = yield from template_job(state, flow.template)
    prepared = yield from prepare_job(
        state, [source], local, template, mime_type=mime_type, additional=additional
    )
    body = upload_body(prepared[0])
    sent_additional = _as_json(prepared[0].additional, "additional")
    budget = state.budget()
    before: list[Asset] = yield Call(list_inputs_op(flow_id, False), budget)
    known = {asset.id for asset in before}
    return (
        yield from _post_once(
            state,
            budget,
            upload_input_op(flow_id, body),
            lambda: _find_input(state, flow_id, known, sent_additional, budget),
            "an input",
        )
    )
