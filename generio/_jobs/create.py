"""Creating flows and uploading inputs without ever doing either twice.

The service bills every flow and de-duplicates nothing, so a POST whose answer was lost
is never simply repeated: what it may have made is looked for first (by its key).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import attrs

from generio._degrade import degraded
from generio._errors import APIConnectionError, APIStatusError, InputError, ServerError
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
from generio._jobs.keys import (
    BatchKeys,
    CreateProgress,
    Fingerprint,
    adopt_job,
    existing_job,
    lookup_job,
    recorded_job,
)
from generio._jobs.retries import call, retry_post
from generio._jobs.state import ClientState
from generio._payload.body import dumps
from generio._payload.inputs import Source, check_accepted, needs_fetch, prepare, source_of
from generio._payload.local import Prepared
from generio._payload.marker import Marker, wire_additional
from generio._payload.models import Asset, Flow, Template, unknown_template

C = TypeVar("C", Flow, Asset)
#: Statuses after which a POST may or may not have been carried out.
_AMBIGUOUS_STATUSES = frozenset({408, 500, 502, 503, 504})
#: Seconds between looks while another call of this client holds the same key.
_KEY_TURN = 0.02


def is_ambiguous(error: BaseException) -> bool:
    """Whether a failed POST may have been carried out anyway."""
    if isinstance(error, APIConnectionError):
        return not is_unsent(error.__cause__) if error.__cause__ else True
    if isinstance(error, ServerError):  # a 5xx, or a 2xx whose body could not be read
        return True
    return isinstance(error, APIStatusError) and error.status_code in _AMBIGUOUS_STATUSES


def post_once(
    state: ClientState,
    op: Operation[C],
    budget: Budget,
    find: Callable[[Exception | None], Job[C | None]],
    *,
    claim: bool = False,
) -> Job[C]:
    """Send a POST that must take effect once: reconcile (``find``) before any repeat."""
    while True:
        failure: Exception | None = None
        try:
            created: C = yield from call(op, budget)
            if not claim or state.claim(created.id):
                return created
        except (APIConnectionError, APIStatusError) as exc:
            if not is_ambiguous(exc):
                raise
            failure = exc
        found = yield from find(failure)
        if found is not None:
            return found
        if failure is not None:
            yield from retry_post(budget, failure)
            # A service may store what it was sent after it failed to answer (a gateway's
            # 504): look once more, after the pause, before sending it again.
            found = yield from find(failure)
            if found is not None:
                return found


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
        # A success we cannot read: our guess of the template's shape is wrong. Local checks
        # step aside and the service judges; remembered, so a batch does not ask again.
        degraded("template_unreadable", f"Template {template!r} could not be read: {exc}")
        found = unknown_template(template)
    state.remember([found])
    return found


@attrs.frozen(eq=False)
class ReadInputs(Local[dict[int, Prepared]]):
    """Check the inputs that need no request (a file's size and first bytes), by position."""

    sources: tuple[Source, ...]
    mime_type: str | None = None

    def perform(self) -> dict[int, Prepared]:
        return {
            index: prepare(source.data, mime_type=self.mime_type, additional=source.additional)
            for index, source in enumerate(self.sources)
            if needs_fetch(source) is None
        }


def prepare_job(
    state: ClientState,
    sources: Sequence[Source],
    ready: Mapping[int, Prepared],
    template: Template,
    mime_type: str | None = None,
) -> Job[list[Prepared]]:
    """Complete ``ready`` (fetching assets that came without data); check them all."""
    prepared: list[Prepared] = []
    for index, source in enumerate(sources):
        item = ready.get(index)
        if item is None:
            asset = needs_fetch(source)
            assert asset is not None  # noqa: S101 - ReadInputs left only those
            if asset.flow_id is None or asset.kind not in ("input", "output"):
                raise InputError(
                    f"asset {asset.id} carries no data and no flow to fetch it from; "
                    "pass one returned by flows.output() or flows.input()."
                )
            builder = get_output_op if asset.kind == "output" else get_input_op
            fetched: Asset = yield from call(builder(asset.flow_id, asset.id), state.budget())
            item = prepare(fetched, mime_type=mime_type, additional=source.additional)
        check_accepted(item, template, index if len(sources) > 1 else None)
        prepared.append(item)
    return prepared


def _as_json(value: Any, what: str) -> Any:
    """``value`` after a JSON round trip, as the service will hand it back."""
    return json.loads(dumps(value, what))


def create_job(
    state: ClientState,
    template: str | Template,
    sources: Sequence[Source],
    parameters: Mapping[str, Any] | None,
    additional: Any,
    progress: CreateProgress,
    batch: BatchKeys | None = None,
) -> Job[Flow]:
    """Create a flow (started at once when it has inputs), at most once per key."""
    if parameters is not None and not isinstance(parameters, Mapping):
        raise InputError(f"parameters must be a mapping of names to values, not {parameters!r}.")
    sent_parameters = _as_json(dict(parameters or {}), "parameters")
    dumps(additional, "additional")
    ready = yield from local(ReadInputs(tuple(sources)))  # a missing file fails first
    resolved = yield from template_job(state, template)
    prepared = yield from prepare_job(state, sources, ready, resolved)
    digest = yield from local(Fingerprint(resolved.name, sent_parameters, tuple(prepared)))
    marker = progress.marker = Marker(progress.key, digest)
    progress.template = resolved.name
    op = create_flow_op(resolved.name, parameters, wire_additional(additional, marker), prepared)
    progress.body = op.body
    batch = batch or BatchKeys(progress.began)  # alone: the listing as of the call's start
    if not progress.explicit:
        return (yield from _post_flow(state, op, marker, progress, batch))
    while not state.hold_key(progress.key):  # a call of this client creates with it now
        yield Sleep(_KEY_TURN)
    try:
        existing = yield from existing_job(state, marker, resolved.name, batch)
        return existing or (yield from _post_flow(state, op, marker, progress, batch))
    finally:
        state.release_key(progress.key)


def _post_flow(
    state: ClientState,
    op: Operation[Flow],
    marker: Marker,
    progress: CreateProgress,
    batch: BatchKeys,
) -> Job[Flow]:
    """``POST /flows`` once; after an ambiguous failure adopt the flow with our key, if any."""
    budget = state.budget()
    journal = batch.journal if progress.explicit else None
    if journal is not None:  # on disk before the request: a crash after it leaves a trace
        yield from local(journal.posting(marker.key, marker.fingerprint))
    progress.posted = True

    def adopt(failure: Exception | None) -> Job[Flow | None]:
        after = f"{op.method} {op.path} failed ({failure}) and generio "
        template = progress.template or ""
        return lookup_job(state, adopt_job(state, marker, template, progress.began, budget, after))

    flow = yield from post_once(state, op, budget, adopt)
    if progress.explicit:  # a random key is never looked up again once its flow is known
        yield from recorded_job(state, batch, marker, flow)
    return flow


def upload_job(
    state: ClientState, flow_id: str, source: object, additional: Any, mime_type: str | None
) -> Job[Asset]:
    """Add one input to a flow in ``created``, never twice."""
    sources = [source_of(source, additional)]
    ready = yield from local(ReadInputs(tuple(sources), mime_type))
    flow: Flow = yield from call(get_flow_op(flow_id), state.budget())
    template = yield from template_job(state, flow.template)
    (item,) = yield from prepare_job(state, sources, ready, template, mime_type)
    op = upload_input_op(flow_id, item)
    sent_additional = _as_json(item.additional, "additional")
    budget = state.budget()
    before: list[Asset] = yield from call(list_inputs_op(flow_id, False), budget)
    known = {asset.id for asset in before}

    def find(failure: Exception | None) -> Job[Asset | None]:
        """Find and claim an input a lost upload added: one not there before, unclaimed."""
        try:
            after: list[Asset] = yield from call(list_inputs_op(flow_id, False), budget)
        except (APIConnectionError, APIStatusError) as exc:
            raise APIConnectionError(
                f"{op.method} {op.path} failed ({failure or exc}) and checking whether it "
                "created an input failed too, so generio did not retry it (a retry could "
                "create an input twice). What to do: list them to see whether it exists "
                "before trying again.",
                method=op.method,
                path=op.path,
            ) from exc
        fresh = (a for a in after if a.id not in known and a.additional == sent_additional)
        return next((candidate for candidate in fresh if state.claim(candidate.id)), None)

    return (yield from post_once(state, op, budget, find, claim=True))
