"""Fingerprints, and finding the flow that carries a key (see ``_idempotency.py``).

The fingerprint is ``sha256`` over the template's name, the parameters as sent and, per
input, a digest of its content and its ``additional``. Content digests are cheap for big
files: a file, bytes or a stream is hashed once, in 1 MiB reads, as its MIME type and raw
bytes (never loaded whole); a data URI is hashed as the same (decoded in slices), so a file
passed as a ``Path`` or as a data URI gives the same fingerprint; a prompt as its text.

Which requests a lookup makes (:func:`find_keyed`):

* ``GET /flows?sort_by=created_at``, once; entries whose ``additional`` carries the key
  match directly;
* when the service leaves ``additional`` out of list entries, ``GET /flows/{id}`` for each
  entry of the same template (created since the call began when ``since`` is given; every
  one otherwise). A client remembers what it read, since a flow's ``additional`` never
  changes, so a later lookup reads only flows it has not seen.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from generio import _data_uri
from generio._effects import Call, Job
from generio._errors import IdempotencyConflictError, NotFoundError
from generio._idempotency import ABSENT, Marker
from generio._inputs import Prepared
from generio._models import Flow
from generio._operations import get_flow_op
from generio._pages import list_flows_job
from generio._retry import Budget
from generio._state import ClientState

_LATEST = datetime.max.replace(tzinfo=UTC)

__all__ = ["check_same", "find_keyed", "fingerprint"]

_READ = 1024 * 1024
_SLICE = 4 * 1024 * 1024  # characters of base64 per decoded slice: a multiple of 4


def _content_digest(item: Prepared) -> str:
    """Digest of one input's content, without holding a big file in memory."""
    digest = hashlib.sha256()
    if item.is_prompt and item.text is not None:
        digest.update(b"prompt\0" + item.text.encode("utf-8"))
        return digest.hexdigest()
    digest.update(b"file\0" + item.mime_type.encode() + b"\0")
    if item.text is not None:  # a data URI: hash what it decodes to
        try:
            return _decoded_digest(digest, item.text)
        except _data_uri.DecodeError:
            # Not valid base64: the service will say so (422); its text identifies it.
            return hashlib.sha256(b"text\0" + item.text.encode("utf-8")).hexdigest()
    for stream in item.open_raw():
        while chunk := stream.read(_READ):
            digest.update(chunk)
    return digest.hexdigest()


def _decoded_digest(digest: Any, uri: str) -> str:
    decoder = _data_uri.Base64StreamDecoder()
    start = uri.index(",") + 1
    for begin in range(start, len(uri), _SLICE):
        digest.update(decoder.feed(uri[begin : begin + _SLICE]))
    decoder.finish()
    return str(digest.hexdigest())


def fingerprint(template: str, parameters: Any, inputs: Sequence[Prepared]) -> str:
    """Return ``sha256:<hex>`` of what a create asks for (template, parameters, inputs)."""
    document = {
        "template": template,
        "parameters": parameters,
        "inputs": [{"content": _content_digest(i), "additional": i.additional} for i in inputs],
    }
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def check_same(found: Flow, marker: Marker) -> Flow:
    """Return the flow found under the key, if it was made from the same request.

    Raises:
        IdempotencyConflictError: it was created from a different request.
    """
    theirs = found._marker
    if isinstance(theirs, Marker) and theirs.fingerprint != marker.fingerprint:
        raise IdempotencyConflictError(marker.key, found.id)
    return found


def find_keyed(
    state: ClientState,
    key: str,
    template: str,
    since: datetime | None,
    budget: Budget,
) -> Job[Flow | None]:
    """Find the flow created with ``key``, if any (the earliest, should there be several).

    Args:
        state: the client's state (remembers the markers of flows read one by one).
        key: the idempotency key.
        template: the template's name: only flows of it can carry the key.
        since: only flows created at or after this (None: all).
        budget: the retry budget of the lookup.
    """
    flows = yield from list_flows_job(state, None, "created_at", budget)
    found: list[Flow] = []
    for flow in flows:
        if since is not None and flow.created_at is not None and flow.created_at < since:
            continue
        marker = flow._marker
        if marker is ABSENT:
            if flow.template != template:
                continue
            marker = state.known_marker(flow.id)
            if marker is ABSENT:
                try:
                    flow = yield Call(get_flow_op(flow.id), state.budget())
                except NotFoundError:
                    continue  # deleted since it was listed
                marker = flow._marker
                state.remember_marker(flow.id, marker)
            elif isinstance(marker, Marker) and marker.key == key:
                flow = yield Call(get_flow_op(flow.id), state.budget())
        if isinstance(marker, Marker) and marker.key == key:
            found.append(flow)
    # A flow without a creation time sorts last; among equals the listing's order holds.
    return min(found, key=lambda f: f.created_at or _LATEST) if found else None
