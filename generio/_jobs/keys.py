"""A call's key: its record, the fingerprint, and finding the flow a key made (CONTRIBUTING)."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from typing import Any

import attrs

from generio._errors import (
    IdempotencyConflictError,
    InputError,
    LookupIncompleteError,
    NotFoundError,
)
from generio._http.operations import get_flow_op
from generio._http.policy import Budget
from generio._jobs.calls import patient_job
from generio._jobs.effects import Job, Local, local
from generio._jobs.journal import Journal
from generio._jobs.listing import Need, ensure_job
from generio._jobs.retries import call
from generio._jobs.state import ClientState
from generio._payload import data_uri as _data_uri
from generio._payload.body import JsonBody
from generio._payload.local import Prepared
from generio._payload.marker import Marker, check_key, new_key
from generio._payload.models import Flow

logger = logging.getLogger("generio")
_READ = 1024 * 1024
_SLICE = 4 * 1024 * 1024  # characters of base64 per decoded slice: a multiple of 4


@attrs.define
class CreateProgress:
    """A call's key and how far its create got (``run()``'s clean-up reads it)."""

    key: str
    explicit: bool = False
    posted: bool = False
    began: float = attrs.field(factory=time.monotonic)
    template: str | None = None
    marker: Marker | None = None
    #: The create's body: whether a POST began sending it (the service may have the flow).
    body: JsonBody | None = None

    @classmethod
    def start(cls, idempotency_key: str | None, *, known_new: bool = False) -> CreateProgress:
        """Return the record of one call: the caller's key, checked, or a random one."""
        if idempotency_key is None:
            return cls(new_key())
        return cls(check_key(idempotency_key), explicit=not known_new)


@attrs.frozen
class BatchKeys:
    """How a batch's creates look for their keys: one listing, read since ``fresh``."""

    fresh: float
    templates: frozenset[str] | None = None
    journal: Journal | None = None


def _content_digest(item: Prepared) -> str:
    """Digest of one input's content, without holding a big file in memory."""
    if item.is_prompt and item.text is not None:
        return hashlib.sha256(b"prompt\0" + item.text.encode("utf-8")).hexdigest()
    digest = hashlib.sha256(b"file\0" + item.mime_type.encode() + b"\0")
    if item.text is not None:  # a data URI: hash what it decodes to, in slices
        decoder = _data_uri.Base64StreamDecoder()
        try:
            for begin in range(item.text.index(",") + 1, len(item.text), _SLICE):
                digest.update(decoder.feed(item.text[begin : begin + _SLICE]))
            decoder.finish()
        except _data_uri.DecodeError:
            # Not valid base64: the service will say so (422); its text identifies it.
            return hashlib.sha256(b"text\0" + item.text.encode("utf-8")).hexdigest()
        return digest.hexdigest()
    for stream in item.open_raw():
        while chunk := stream.read(_READ):
            digest.update(chunk)
    return digest.hexdigest()


@attrs.frozen(eq=False)
class Fingerprint(Local[str]):
    """``sha256:<hex>`` of what a create asks for (a local effect: it hashes input files)."""

    template: str
    parameters: Any
    inputs: tuple[Prepared, ...]

    def perform(self) -> str:
        document = {
            "template": self.template,
            "parameters": self.parameters,
            "inputs": [
                {"content": _content_digest(i), "additional": i.additional} for i in self.inputs
            ],
        }
        text = json.dumps(document, sort_keys=True, separators=(",", ":"), allow_nan=False)
        return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def check_same(found: Flow, marker: Marker, fingerprint: str = "") -> Flow:
    """Return the flow found under the key, if made from the same request."""
    theirs = found._marker.fingerprint if isinstance(found._marker, Marker) else fingerprint
    if theirs and theirs != marker.fingerprint:
        raise IdempotencyConflictError(marker.key, found.id)
    return found


def find_key_job(
    state: ClientState, need: Need, budget: Budget, marker: Marker | None = None
) -> Job[Flow | None]:
    """Return the earliest flow created with ``need.key`` as it is now (checked: ``marker``'s)."""
    read = yield from ensure_job(state, need, budget)
    known = state.index.find(need.key)
    if known is None:
        return None
    flow = read.get(known.flow_id)  # read just now, or read it
    if flow is None:
        op = get_flow_op(known.flow_id)
        try:
            if need.after:  # our lost create's flow, maybe billed: never given up for a 5xx
                flow = yield from patient_job(state, op)
            else:
                flow = yield from call(op, state.budget())
        except NotFoundError:
            state.index.forget(known.flow_id)  # deleted since it was read: the key is free
            return None
    return flow if marker is None else check_same(flow, marker, known.fingerprint)


def find_job(state: ClientState, key: str, template: str | None) -> Job[Flow | None]:
    """``flows.find``: the flow created with ``key`` (the earliest), or None."""
    key = check_key(key)
    if template is not None and (not isinstance(template, str) or not template):
        raise InputError(f"template must be a template's name or None, not {template!r}.")
    need = Need(key, fresh=time.monotonic(), templates=frozenset({template}) if template else None)
    return (yield from find_key_job(state, need, state.budget()))


def existing_job(
    state: ClientState, marker: Marker, template: str, batch: BatchKeys
) -> Job[Flow | None]:
    """Return the flow an earlier call made with the caller's key, if any (same request)."""
    journal = batch.journal
    if journal is not None and (recorded := journal.flow_of(marker.key)) is not None:
        try:
            flow: Flow = yield from call(get_flow_op(recorded[0]), state.budget())
        except NotFoundError:
            journal.forget(marker.key)  # deleted since: look in the account
        else:
            return check_same(flow, marker, recorded[1])
    posted = journal.posted_at(marker.key) if journal is not None else None
    need = Need(
        marker.key,
        fresh=batch.fresh,
        # In flight when a run stopped: flows since then; else the key window.
        since=None if posted is None else time.monotonic() - max(0.0, time.time() - posted),
        templates=batch.templates or (frozenset({template}) if template else None),
    )
    found = yield from lookup_job(state, find_key_job(state, need, state.budget(), marker))
    if found is not None:
        yield from recorded_job(state, batch, marker, found)
    return found


def lookup_job(state: ClientState, job: Job[Flow | None]) -> Job[Flow | None]:
    """Run a create's lookup; with ``on_incomplete='create'``, one that cannot finish finds none."""
    try:
        return (yield from job)
    except LookupIncompleteError as exc:
        if state.lookup.on_incomplete != "create":
            raise
        logger.warning("creating without a complete lookup (on_incomplete='create'): %s", exc)
        return None


def adopt_job(
    state: ClientState, marker: Marker, template: str, began: float, budget: Budget, after: str
) -> Job[Flow | None]:
    """After an ambiguous failure or an interruption: the flow made with this call's key."""
    templates = frozenset({template}) if template else None
    need = Need(marker.key, fresh=time.monotonic(), since=began, templates=templates, after=after)
    return (yield from find_key_job(state, need, budget, marker))


def recorded_job(state: ClientState, batch: BatchKeys, marker: Marker, flow: Flow) -> Job[None]:
    """Remember a caller's key's flow: in the index, and in the batch's journal."""
    state.index.created(flow, marker)
    journal = batch.journal
    if journal is not None and journal.flow_of(marker.key) != (flow.id, marker.fingerprint):
        yield from local(journal.made(marker.key, flow.id, marker.fingerprint))
