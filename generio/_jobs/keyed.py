"""Fingerprints, and finding the flow that carries a key (see ``_payload/marker.py``).

The fingerprint is ``sha256`` over the template's name, the parameters as sent and, per
input, a digest of its content and its ``additional``. Content digests are cheap for big
files: a file, bytes or a stream is hashed once, in 1 MiB reads, as its MIME type and raw
bytes (never loaded whole); a data URI is hashed as the same (decoded in slices), so a file
passed as a ``Path`` or as a data URI gives the same fingerprint; a prompt as its text.

A lookup (:func:`find_key_job`) asks the client's index (``_jobs/account.py``), brought up
to date by ``_jobs/listing.py`` with only what it does not know yet, then reads the flow
found (``GET /flows/{id}``: its current state, and proof it still exists).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

import attrs

from generio._errors import IdempotencyConflictError, NotFoundError
from generio._http.operations import get_flow_op
from generio._http.policy import Budget
from generio._jobs.effects import Job, Local
from generio._jobs.listing import Need, ensure_job
from generio._jobs.retries import call
from generio._jobs.state import ClientState
from generio._payload import data_uri as _data_uri
from generio._payload.inputs import Prepared
from generio._payload.marker import Marker
from generio._payload.models import Flow

__all__ = ["Fingerprint", "check_same", "find_key_job", "fingerprint"]

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


@attrs.frozen(eq=False)
class Fingerprint(Local[str]):
    """Compute :func:`fingerprint` (hashing input files) as a local effect the driver performs.

    Attributes:
        template: the template's name.
        parameters: the parameters as sent.
        inputs: the prepared inputs.
    """

    template: str
    parameters: Any
    inputs: tuple[Prepared, ...]

    def perform(self) -> str:
        """Hash what the create asks for."""
        return fingerprint(self.template, self.parameters, self.inputs)


def check_same(found: Flow, marker: Marker, fingerprint: str = "") -> Flow:
    """Return the flow found under the key, if it was made from the same request.

    Args:
        found: the flow carrying the key.
        marker: this request's key and fingerprint.
        fingerprint: the found flow's, when its answer left ``additional`` out.

    Raises:
        IdempotencyConflictError: it was created from a different request.
    """
    theirs = found._marker.fingerprint if isinstance(found._marker, Marker) else fingerprint
    if theirs and theirs != marker.fingerprint:
        raise IdempotencyConflictError(marker.key, found.id)
    return found


def find_key_job(state: ClientState, need: Need, budget: Budget) -> Job[tuple[Flow, str] | None]:
    """Find the flow created with ``need.key``: the earliest, should there be several.

    Args:
        state: the client's state (its index).
        need: the key, and how fresh and deep the account must be known.
        budget: the retry budget of the listing's pages.

    Returns:
        The flow as it is now and the fingerprint it was made with ("" if unknown), or
        None when no flow carries the key.

    Raises:
        LookupIncompleteError: the listing could not be read as far as needed.
    """
    read = yield from ensure_job(state, need, budget)
    known = state.index.find(need.key)
    if known is None:
        return None
    if known.flow_id in read:  # read just now
        return read[known.flow_id], known.fingerprint
    try:
        flow: Flow = yield from call(get_flow_op(known.flow_id), state.budget())
    except NotFoundError:
        state.index.forget(known.flow_id)  # deleted since it was read: the key is free
        return None
    return flow, known.fingerprint
