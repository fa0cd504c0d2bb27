"""Creating flows and uploading inputs without ever doing it twice.

The service bills every created flow and does not de-duplicate requests. A ``POST`` whose
answer was lost (a read timeout, a connection dropped after sending, a 5xx, a 200 whose
body arrived cut) may or may not have done its work, so it is never simply repeated.

``POST /flows`` always carries an idempotency key in the flow's ``additional``
(``_payload/marker.py``): the caller's, or a fresh random one per logical call.

1. With the caller's key, first look for a flow created with it, by any client or process
   (``_jobs/keys.py``): same fingerprint, it is returned and nothing is created; another
   fingerprint, :class:`~generio.IdempotencyConflictError`. A random key is new, so it
   needs no look. Calls of one client with the same key take turns.
2. After an ambiguous failure, look for the flow carrying this call's key, created since
   the call began, and adopt it; nothing else is ever adopted.
3. Otherwise repeat the POST, within the call's retry budget.

``POST /flows/{id}/inputs`` has no key: a lost upload is reconciled by looking for an input
that was not there before the first attempt and that no call of this client has claimed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import attrs

from generio._degrade import degraded
from generio._errors import (
    APIConnectionError,
    APIStatusError,
    InputError,
    LookupIncompleteError,
    ServerError,
)
from generio._http.operations import (
    Operation,
    create_flow_op,
    get_flow_op,
    get_input_op,
    get_output_op,
    get_template_op,
    list_inputs_op,
    upload_input_op,
)
from generio._http.policy import Budget, is_unsent
from generio._jobs.effects import Job, Local, Sleep, local
from generio._jobs.keyed import Fingerprint
from generio._jobs.keys import BatchKeys, CreateProgress, adopt_job, existing_job, recorded_job
from generio._jobs.retries import call, retry_post
from generio._jobs.state import ClientState
from generio._payload.body import JsonBody, create_body, dumps, upload_body
from generio._payload.inputs import Prepared, check_accepted, needs_fetch, prepare, unwrap
from generio._payload.marker import Marker, check_key, new_key, wire_additional
from generio._payload.models import Asset, Flow, Template, unknown_template

__all__ = [
    "CreateProgress",
    "ReadInputs",
    "create_job",
    "is_ambiguous",
    "prepare_job",
    "prepare_local",
    "template_job",
    "upload_job",
]

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
        found: Template = yield from call(get_template_op(template), state.budget())
    except ServerError as exc:
        if not 200 <= exc.status_code < 300:
            raise
        # A success whose body we cannot read: our guess of the template's shape is wrong.
        # Local checks step aside and the service judges the request (see _payload/inputs.py).
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


@attrs.frozen(eq=False)
class ReadInputs(Local[dict[int, Prepared]]):
    """Check the inputs that need no request (reading a file's size and first bytes).

    A local effect (see :class:`~generio._jobs.effects.Local`): the job asks, the driver
    reads. The result is :func:`prepare_local`'s.

    Attributes:
        sources: the inputs, as given.
        mime_type: the caller's MIME type, for one upload.
        additional: the caller's JSON, for one upload.
    """

    sources: tuple[object, ...]
    mime_type: str | None = None
    additional: Any = None

    def perform(self) -> dict[int, Prepared]:
        """Prepare the local inputs.

        Raises:
            InputError: an input is missing, empty, of an unknown type or kind.
        """
        return prepare_local(self.sources, mime_type=self.mime_type, additional=self.additional)


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
    asset: Asset = yield from call(builder(source.flow_id, source.id), state.budget())
    return asset


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
    batch: BatchKeys | None = None,
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
        batch: how a batch's creates look for their keys (one listing for all).

    Raises:
        InputError: bad inputs, parameters or key, found before anything is created.
        IdempotencyConflictError: the key was used for a different request.
        LookupIncompleteError: the key's lookup could not read all it needed.
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
    # A missing file fails before any request.
    ready = yield from local(ReadInputs(tuple(sources)))
    resolved = yield from template_job(state, template)
    prepared = yield from prepare_job(state, sources, ready, resolved)
    digest = yield from local(Fingerprint(resolved.name, sent_parameters, tuple(prepared)))
    marker = Marker(key, digest)
    body = create_body(resolved.name, parameters, wire_additional(additional, marker), prepared)
    progress.template, progress.marker = resolved.name, marker
    if not explicit:
        return (yield from _post_flow(state, body, marker, progress, batch))
    while not state.hold_key(key):  # a call of this client is creating with this key now
        yield Sleep(_KEY_TURN)
    try:
        existing = yield from existing_job(state, marker, resolved.name, progress.began, batch)
        if existing is not None:
            return existing
        return (yield from _post_flow(state, body, marker, progress, batch))
    finally:
        state.release_key(key)


#: Seconds between looks while another call of this client holds the same key.
_KEY_TURN = 0.02


def _post_flow(
    state: ClientState,
    body: JsonBody,
    marker: Marker,
    progress: CreateProgress,
    batch: BatchKeys | None,
) -> Job[Flow]:
    """Send ``POST /flows``; after an ambiguous failure adopt the flow with our key, if any."""
    op = create_flow_op(body)
    budget = state.budget()
    template = progress.template or ""
    journal = batch.journal if batch is not None and progress.explicit else None
    if journal is not None:  # on disk before the request: a crash after it leaves a trace
        yield from local(journal.posting(marker.key, marker.fingerprint))
    while True:
        progress.posted = True
        try:
            created: Flow = yield from call(op, budget)
        except (APIConnectionError, APIStatusError) as exc:
            if not is_ambiguous(exc):
                raise
            failure = exc
        else:
            yield from recorded_job(state, batch, marker, created, explicit=progress.explicit)
            return created
        after = f"{op.method} {op.path} failed ({failure}) and generio "
        try:
            found = yield from adopt_job(state, marker, template, progress.began, budget, after)
        except LookupIncompleteError:
            if state.lookup.on_incomplete != "create":
                raise
            found = None
        if found is not None:
            yield from recorded_job(state, batch, marker, found, explicit=progress.explicit)
            return found
        yield from retry_post(budget, failure)


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
            created: C = yield from call(op, budget)
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
            yield from retry_post(budget, failure)


def _find_input(
    state: ClientState, flow_id: str, known: set[str], additional: Any, budget: Budget
) -> Job[Asset | None]:
    """Find and claim an input a lost upload added: one not there before, unclaimed."""
    after: list[Asset] = yield from call(list_inputs_op(flow_id, False), budget)
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
    ready = yield from local(ReadInputs((source,), mime_type, additional))
    flow: Flow = yield from call(get_flow_op(flow_id), state.budget())
    template = yield from template_job(state, flow.template)
    prepared = yield from prepare_job(
        state, [source], ready, template, mime_type=mime_type, additional=additional
    )
    body = upload_body(prepared[0])
    sent_additional = _as_json(prepared[0].additional, "additional")
    budget = state.budget()
    before: list[Asset] = yield from call(list_inputs_op(flow_id, False), budget)
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
