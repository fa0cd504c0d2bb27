"""What a create does with its key: look before (the caller's key), adopt after a lost answer.

* A caller's key may have been used by an earlier call or process: before the create, its
  flow is looked for in the batch's journal (``_jobs/journal.py``), then in the client's
  index of the account (``_jobs/keyed.find_key_job``), as fresh as the call's start, or
  the batch's: a batch reads the listing at most once for all its jobs.
* A random key is new: nothing is looked for before the create.
* After an ambiguous failure or an interruption, either key is looked for among flows
  created since the call began.

A lookup that could not read all it needed raises :class:`~generio.LookupIncompleteError`
unless ``KeyLookup.on_incomplete`` is ``"create"``: then the create goes on (WARNING).
"""

from __future__ import annotations

import logging
import time

import attrs

from generio._errors import LookupIncompleteError, NotFoundError
from generio._http.operations import get_flow_op
from generio._http.policy import Budget
from generio._jobs.effects import Job, local
from generio._jobs.journal import Journal
from generio._jobs.keyed import check_same, find_key_job
from generio._jobs.listing import Need
from generio._jobs.retries import call
from generio._jobs.state import ClientState
from generio._payload.marker import Marker
from generio._payload.models import Flow

__all__ = ["BatchKeys", "CreateProgress", "adopt_job", "existing_job", "recorded_job"]

logger = logging.getLogger("generio")


@attrs.frozen
class BatchKeys:
    """How the creates of one batch look for their keys.

    Attributes:
        fresh: ``time.monotonic()`` at the batch's start: a listing read since serves all.
        templates: the batch's templates (flows of others are never read one by one).
        journal: the batch's journal, if any.
    """

    fresh: float
    templates: frozenset[str] | None = None
    journal: Journal | None = None


@attrs.define
class CreateProgress:
    """How far a create got, for ``run()``'s clean-up after an interruption.

    Attributes:
        key: the idempotency key the create uses.
        explicit: whether the caller gave it (then an earlier flow with it is looked for).
        posted: whether a ``POST /flows`` may have been sent (then a flow may exist).
        began: ``time.monotonic()`` when the call began: a flow of this call is no older.
        template: the resolved template's name, once known.
        marker: the key and fingerprint sent, once known.
    """

    key: str
    explicit: bool = False
    posted: bool = False
    began: float = attrs.field(factory=time.monotonic)
    template: str | None = None
    marker: Marker | None = None


def existing_job(
    state: ClientState,
    marker: Marker,
    template: str,
    began: float,
    batch: BatchKeys | None,
) -> Job[Flow | None]:
    """Return the flow an earlier call made with the caller's key, if any (same request).

    Raises:
        IdempotencyConflictError: the key's flow was made from another request.
        LookupIncompleteError: the lookup could not finish (``on_incomplete="raise"``).
    """
    journal = batch.journal if batch is not None else None
    recorded = journal.flow_of(marker.key) if journal is not None else None
    if journal is not None and recorded is not None:
        flow_id, fingerprint = recorded
        try:
            flow: Flow = yield from call(get_flow_op(flow_id), state.budget())
        except NotFoundError:
            journal.forget(marker.key)  # deleted since: look in the account
        else:
            return check_same(flow, marker, fingerprint)
    posted = journal.posted_at(marker.key) if journal is not None else None
    since = None if posted is None else time.monotonic() - max(0.0, time.time() - posted)
    need = Need(
        marker.key,
        fresh=batch.fresh if batch is not None else began,
        # In flight when a run stopped: flows since then; else the key window.
        since=since,
        templates=batch.templates if batch is not None and batch.templates else None,
    )
    if need.templates is None and template:
        need = attrs.evolve(need, templates=frozenset({template}))
    try:
        found = yield from find_key_job(state, need, state.budget())
    except LookupIncompleteError as exc:
        if state.lookup.on_incomplete != "create":
            raise
        logger.warning("creating without a complete lookup (on_incomplete='create'): %s", exc)
        return None
    if found is None:
        return None
    flow, fingerprint = found
    checked = check_same(flow, marker, fingerprint)
    yield from recorded_job(state, batch, marker, checked, explicit=True)
    return checked


def adopt_job(
    state: ClientState, marker: Marker, template: str, began: float, budget: Budget, after: str
) -> Job[Flow | None]:
    """After an ambiguous failure or an interruption: the flow made with this call's key.

    Only flows created since the call began are looked for (``began``: its
    ``time.monotonic()``), among what the listing shows now.

    Raises:
        IdempotencyConflictError: a flow with the key was made from another request.
        LookupIncompleteError: the lookup could not finish.
    """
    need = Need(
        marker.key,
        fresh=time.monotonic(),
        since=began,
        templates=frozenset({template}) if template else None,
        after=after,
    )
    found = yield from find_key_job(state, need, budget)
    if found is None:
        return None
    return check_same(found[0], marker, found[1])


def recorded_job(
    state: ClientState, batch: BatchKeys | None, marker: Marker, flow: Flow, *, explicit: bool
) -> Job[None]:
    """Remember the key's flow: in the index (a caller's key), and in the batch's journal."""
    if not explicit:
        return  # a random key is never looked up again once its flow is known
    state.index.created(flow, marker)
    journal = batch.journal if batch is not None else None
    if journal is not None and journal.flow_of(marker.key) != (flow.id, marker.fingerprint):
        yield from local(journal.made(marker.key, flow.id, marker.fingerprint))
