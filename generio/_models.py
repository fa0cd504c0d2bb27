"""The small, immutable objects the facade returns, and their parsing from the wire.

The generated models stay behind the facade: they change with the generator and carry
``UNSET`` markers and enums that break on new values. These objects are plain: states and
statuses are strings (an unknown state survives), times are aware datetimes, and assets hide
the data-URI encoding behind ``.data`` and ``.mime_type``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from generio._idempotency import ABSENT, marker_of, public_additional
from generio._polling import FAILED_STATES, is_terminal

if TYPE_CHECKING:
    from generio_api import models as api

__all__ = [
    "READY_STATUSES",
    "Asset",
    "Flow",
    "RunResult",
    "Template",
    "asset_from_api",
    "flow_from_api",
    "template_from_api",
]

#: Asset statuses that mean the data can be fetched; the vendor's pages use both words.
READY_STATUSES = frozenset({"ready", "available"})
PROMPT_MIME = "text/plain"


@attrs.frozen
class Flow:
    """One run of a template, as the service last reported it.

    Attributes:
        id: the flow's identifier.
        template: the name of the template it runs.
        state: ``created``, ``starting``, ``running``, ``aborting``, ``completed``,
            ``aborted``, ``failed``, or a state this version does not know yet.
        progress: from 0.0 to 1.0; it only grows.
        parameters: the template's parameters after defaults were applied.
        additional: the JSON attached to the flow when it was created, or None.
        created_at: when the flow was created (UTC).
        started_at: when it started, or None.
        finished_at: when it reached a terminal state, or None.
    """

    id: str
    template: str
    state: str
    progress: float
    parameters: Mapping[str, Any]
    additional: Any
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    # The idempotency marker removed from ``additional`` (``_idempotency.py``): a Marker,
    # None, or ABSENT when the answer left ``additional`` out. Not part of the public value.
    _marker: Any = attrs.field(default=None, repr=False, eq=False)

    @property
    def is_terminal(self) -> bool:
        """Whether the flow is done (``completed``, ``aborted`` or ``failed``)."""
        return is_terminal(self.state)

    @property
    def is_failed(self) -> bool:
        """Whether the flow ended ``failed`` or ``aborted``."""
        return self.state in FAILED_STATES


@attrs.frozen
class Template:
    """The blueprint of a flow.

    Attributes:
        id: the template's identifier.
        name: its unique name, used to create flows.
        description: what it does.
        parameters: its parameters by name, each a mapping with ``type``, ``default``,
            ``allowed`` (or None) and ``description``.
        input_types: the MIME types it accepts as inputs.
        output_types: the MIME types of its outputs.
        category: where it sits in the catalogue, when the service says.
    """

    id: str
    name: str
    description: str
    parameters: Mapping[str, Mapping[str, Any]]
    input_types: tuple[str, ...]
    output_types: tuple[str, ...]
    category: str | None = None


@attrs.frozen
class Asset:
    """An input or output file of a flow.

    The content stays in its wire form (a data URI, or a prompt's text) until ``.data`` is
    read, so an output passed as the input of another flow travels without a decode and
    re-encode.

    Attributes:
        id: the asset's identifier (the service spells it ``asset_id`` or ``id``).
        status: ``ready``/``available`` (the same), ``processing``, ``error``, or None.
        mime_type: the content's MIME type, when the content is known.
        additional: the JSON attached to the input (copied to its output), or None.
        error: why processing failed, when it did.
        flow_id: the flow the asset belongs to, when known.
        kind: ``"input"`` or ``"output"``, when known.
    """

    id: str
    status: str | None = None
    mime_type: str | None = None
    additional: Any = None
    error: str | None = None
    flow_id: str | None = None
    kind: str | None = None
    # A data URI or prompt text (str), raw content (bytes), or None when not fetched.
    _payload: str | bytes | None = attrs.field(default=None, repr=False, eq=False)
    _decoded: list[bytes] = attrs.field(factory=list, init=False, repr=False, eq=False)

    @property
    def is_ready(self) -> bool:
        """Whether the data can be fetched (status ``ready`` or ``available``)."""
        return self.status in READY_STATUSES

    @property
    def has_data(self) -> bool:
        """Whether the content came with the asset (no request needed to read it)."""
        return self._payload is not None

    @property
    def data(self) -> bytes | None:
        """The content as bytes, decoded on first access; None when not fetched.

        Raises:
            InputError: the service sent a malformed data URI.
        """
        if self._payload is None:
            return None
        if not self._decoded:
            self._decoded.append(_decode_payload(self._payload))
        return self._decoded[0]

    def wire_value(self) -> str | None:
        """Return the content as the API sends it (a data URI or prompt text), for chaining."""
        return self._payload if isinstance(self._payload, str) else None


@attrs.frozen
class RunResult:
    """What :meth:`Generio.run` produced.

    Attributes:
        flow: the flow in its final state.
        outputs: its outputs; with ``out_dir=None`` each carries ``.data``.
        paths: the files written, one per output, when ``out_dir`` was given; else empty.
        steps: the flow of every step of a chained batch job, in order (``flow`` is the
            last); ``(flow,)`` for a single run.
    """

    flow: Flow
    outputs: tuple[Asset, ...]
    paths: tuple[Path, ...] = ()
    steps: tuple[Flow, ...] = attrs.field(
        default=attrs.Factory(lambda self: (self.flow,), takes_self=True)
    )


def _decode_payload(payload: str | bytes) -> bytes:
    if isinstance(payload, bytes):
        return payload
    if not payload.startswith("data:"):
        return payload.encode("utf-8")
    from generio import _data_uri

    return _data_uri.decode(payload)[1]


def mime_of_payload(payload: str | bytes | None) -> str | None:
    """Return a wire value's MIME type: a data URI's, or text/plain for a prompt."""
    if not isinstance(payload, str):
        return None
    if not payload.startswith("data:"):
        return PROMPT_MIME
    from generio import _data_uri

    return _data_uri.parse_header(payload)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _time(value: object) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    # A time without a zone is taken as UTC, so times always compare with each other.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _never() -> datetime:
    raise TypeError("created_at is not a date-time")


@functools.cache
def _unset_type() -> type:
    # Imported on first parse, not with `import generio`: the generated package is the
    # clients' business and loads with them.
    from generio_api.types import Unset

    return Unset


def _plain(value: object) -> Any:
    """Unset and missing JSON both become None."""
    return None if isinstance(value, _unset_type()) else value


def flow_from_api(m: api.Flow) -> Flow:
    """Our :class:`Flow` from the generated model (``state`` kept as a plain string)."""
    parameters = _plain(m.parameters)
    progress = m.progress
    if isinstance(progress, bool) or not isinstance(progress, int | float):
        raise TypeError(f"progress is not a number: {progress!r}")
    return Flow(
        id=str(m.flow_id),
        template=str(m.template),
        state=str(m.state),  # a StrEnum of a known state, or the raw string of a new one
        progress=float(progress),
        parameters=dict(parameters) if isinstance(parameters, Mapping) else {},
        additional=public_additional(_plain(m.additional)),
        created_at=_time(m.created_at) or _never(),
        started_at=_time(m.started_at),
        finished_at=_time(m.finished_at),
        marker=ABSENT if isinstance(m.additional, _unset_type()) else marker_of(m.additional),
    )


def template_from_api(m: api.Template) -> Template:
    """Our :class:`Template` from the generated model."""
    return Template(
        id=str(m.template_id),
        name=str(m.name),
        description=str(m.description),
        parameters=m.parameters.to_dict(),
        input_types=tuple(str(t) for t in m.input_types),
        output_types=tuple(str(t) for t in m.output_types),
        category=_text(m.category),
    )


def asset_from_api(
    m: api.Asset, *, flow_id: str | None, kind: str | None, default_id: str | None = None
) -> Asset:
    """Our :class:`Asset` from the generated model; ``asset_id`` and ``id`` both accepted.

    Args:
        m: the generated model.
        flow_id: the flow it belongs to.
        kind: ``"input"`` or ``"output"``.
        default_id: the id to assume when the answer names none (a single asset fetched
            by its id may come back as only ``{"data": ...}``).

    Raises:
        KeyError: the asset has no identifier under either name, and no default.
    """
    asset_id = _text(m.asset_id) or _text(m.id) or default_id
    if not asset_id:
        raise KeyError("asset_id")
    status = _plain(m.status)
    payload = _text(_plain(m.data))
    return Asset(
        id=asset_id,
        status=None if status is None else str(status),
        mime_type=mime_of_payload(payload),
        additional=_plain(m.additional),
        error=_text(_plain(m.error)),
        flow_id=flow_id,
        kind=kind,
        payload=payload,
    )
