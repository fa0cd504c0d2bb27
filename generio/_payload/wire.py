"""A tolerant reader: our objects from whatever plausible JSON the service answers."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar, get_args

import attrs

from generio._degrade import degraded
from generio._payload.data_uri import repair_misprint
from generio._payload.marker import ABSENT, marker_of, public_additional
from generio._payload.mime import normalize
from generio._payload.models import Asset, Flow, Template, mime_of_payload
from generio._types import FlowState

T = TypeVar("T")

#: Epoch numbers above this are milliseconds (it is the year 5138 in seconds).
_MILLIS_ABOVE = 1e11
#: Wrapper keys a list may come in besides its own name (``flows``, ``outputs``, ...).
_LIST_KEYS = ("items", "data", "results")
#: Keys that may carry the link to the next page of a list.
_NEXT_KEYS = ("next", "next_url", "next_page", "nextPage")


def _pick(data: Mapping[str, Any], names: Sequence[str], kind: str) -> Any:
    """Return the first present field of ``names``; an alias (not the first name) is logged once."""
    for index, name in enumerate(names):
        if name in data:
            if index:
                degraded(f"{kind}.{name}", f"A {kind} calls its {names[0]!r} field {name!r}.")
            return data[name]
    return None


def _object(body: object, kind: str) -> Mapping[str, Any]:
    # A dict (what json.loads makes) skips the ABC check.
    if type(body) is not dict and not isinstance(body, Mapping):
        raise TypeError(f"a {kind} is a JSON object, not {type(body).__name__}")
    return body


def _identifier(data: Mapping[str, Any], names: Sequence[str], kind: str) -> str:
    value = _pick(data, names, kind)
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value:
        raise KeyError(f"a {kind} without an identifier ({' or '.join(names)})")
    return value


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def timestamp(value: object, field: str = "timestamp") -> datetime | None:
    """Return a UTC datetime from an ISO 8601 string or an epoch number; None when neither."""
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        degraded("epoch_time", f"{field} came as an epoch number, not ISO 8601.")
        seconds = value / 1000 if abs(value) > _MILLIS_ABOVE else value
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            parsed = datetime.fromisoformat(value.strip())
            # A time without a zone is taken as UTC, so times always compare with each other.
            return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
        number = _float_or_none(value)
        if number is not None:
            return timestamp(number, field)
        # Logged outside any except block: a failing log handler prints the exception being
        # handled, and Python's own message of it quotes the value (which may echo the key).
        degraded("bad_time", f"{field} {value[:40]!r} is no date-time; ignored.")
        return None
    degraded("bad_time", f"{field} is a {type(value).__name__}, not a date-time; ignored.")
    return None


def _float_or_none(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def _progress(value: object) -> float:
    if isinstance(value, str):
        value = _float_or_none(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        if value is not None:
            degraded("bad_progress", f"a flow's progress {value!r} is no number; taken as 0.")
        return 0.0
    if 1.0 < value <= 100.0:
        degraded("percent_progress", "a flow's progress came as a percentage, not 0 to 1.")
        value = value / 100.0
    return min(1.0, max(0.0, float(value)))


def flow_from_json(body: object) -> Flow:
    """Our :class:`Flow` from a flow object; only its id (``flow_id`` or ``id``) is required."""
    data = _object(body, "flow")
    state = _pick(data, ("state", "status"), "flow")
    if not isinstance(state, str) or not state:
        degraded("flow.no_state", "A flow came without a state; it is taken as still running.")
        state = "unknown"
    parameters = data.get("parameters")
    additional = public_additional(data.get("additional"))
    raw = data
    if "additional" in data and additional is not data["additional"]:
        raw = {**data, "additional": additional}  # the marker is generio's, not the caller's
    return Flow(
        id=_identifier(data, ("flow_id", "id"), "flow"),
        template=str(_pick(data, ("template", "template_name"), "flow") or ""),
        state=state,
        progress=_progress(data.get("progress")),
        parameters=dict(parameters)
        if type(parameters) is dict or isinstance(parameters, Mapping)
        else {},
        additional=additional,
        created_at=timestamp(data.get("created_at"), "created_at"),
        started_at=timestamp(data.get("started_at"), "started_at"),
        finished_at=timestamp(data.get("finished_at"), "finished_at"),
        # ABSENT tells a listing that left ``additional`` out from a flow without a marker.
        marker=marker_of(data["additional"]) if "additional" in data else ABSENT,
        raw=raw,
    )


#: The states of the docs: a ``PATCH`` answer must show one of them to count as the flow.
KNOWN_STATES = frozenset(get_args(FlowState))


def flow_or_none(body: object, flow_id: str | None = None) -> Flow | None:
    """Return the flow when a ``PATCH`` answer is one, else None (the caller reads it again)."""
    try:
        flow = flow_from_json(body)
    except (KeyError, TypeError):
        flow = None
    if flow is not None and flow.state in KNOWN_STATES and flow_id in (None, flow.id):
        return flow
    degraded("not_a_flow", "An action's answer was not a flow; generio fetches the flow.")
    return None


def _parameters(value: object) -> dict[str, Mapping[str, Any]]:
    """Template parameters from a mapping of name -> spec, or a list of ``{name, ...}``."""
    if isinstance(value, Mapping):
        return {
            str(name): dict(spec) if isinstance(spec, Mapping) else {"default": spec}
            for name, spec in value.items()
        }
    if isinstance(value, list):
        degraded("template.parameter_list", "A template listed its parameters as an array.")
        found: dict[str, Mapping[str, Any]] = {}
        for item in value:
            if isinstance(item, Mapping) and isinstance(item.get("name"), str):
                found[item["name"]] = {k: v for k, v in item.items() if k != "name"}
        return found
    return {}


def _mime_list(data: Mapping[str, Any], names: Sequence[str]) -> tuple[str, ...] | None:
    value = _pick(data, names, "template")
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(item for item in value if isinstance(item, str))
    return None


def template_from_json(body: object) -> Template:
    """Our :class:`Template`; only an identifier (``template_id``, ``id`` or ``name``)."""
    data = _object(body, "template")
    name = _text(data.get("name"))
    template_id = _text(_pick(data, ("template_id", "id"), "template"))
    if not name and not template_id:
        raise KeyError("a template without an identifier (template_id, id or name)")
    inputs = _mime_list(data, ("input_types", "inputs", "accepted_input_types"))
    if inputs is None:
        degraded("template.no_input_types", "A template names no input types; not checked.")
    outputs = _mime_list(data, ("output_types", "outputs"))
    return Template(
        id=template_id or str(name),
        name=name or str(template_id),
        description=_text(data.get("description")) or "",
        parameters=_parameters(data.get("parameters")),
        input_types=inputs or (),
        output_types=outputs or (),
        category=_text(data.get("category")),
        input_types_known=inputs is not None,
        parameters_known=isinstance(data.get("parameters"), Mapping | list),
        raw=data,
    )


#: Fields a service may use to state an asset's MIME type without its data (none is ours).
_MIME_FIELDS = ("mime_type", "content_type", "mimeType", "contentType", "media_type")


def _declared_mime(data: Mapping[str, Any]) -> str | None:
    """Return the MIME type an asset's metadata states, if one looks like ``type/subtype``."""
    for name in _MIME_FIELDS:
        value = _text(data.get(name))
        if value and "/" in value and len(value) <= 255 and value.isprintable():
            return normalize(value)
    return None


def asset_from_json(
    body: object,
    *,
    flow_id: str | None,
    kind: str | None,
    default_id: str | None = None,
    source: str | None = None,
) -> Asset:
    """Our :class:`Asset`; ``asset_id`` and ``id`` both accepted."""
    data = _object(body, "asset")
    try:
        asset_id = _identifier(data, ("asset_id", "id"), "asset")
    except KeyError:
        if not default_id:
            raise
        asset_id = default_id
    payload = _text(data.get("data"))
    if payload is not None and payload[:5].lower() == "data:":
        payload = repair_misprint(payload)
    status, error = data.get("status"), data.get("error")
    return Asset(
        id=asset_id,
        status=None if status is None else str(status),
        mime_type=mime_of_payload(payload) or _declared_mime(data),
        additional=data.get("additional"),
        error=None if error is None else str(error),
        flow_id=flow_id,
        kind=kind,
        payload=payload,
        raw=data,
        source=source,
    )


@attrs.frozen
class Page(Generic[T]):
    """One answer of a list operation."""

    items: list[T]
    next: str | None = None


def items_of(body: object, key: str) -> list[Any]:
    """List a list answer's entries: a bare array, or an object's ``key`` (or ``items``...)."""
    if isinstance(body, list):
        degraded(f"bare_list.{key}", f"The list of {key} came as a bare JSON array.")
        return body
    if isinstance(body, Mapping):
        for name in (key, *_LIST_KEYS):
            value = body.get(name)
            if isinstance(value, list):
                if name != key:
                    degraded(f"list_key.{key}", f"The list of {key} came under {name!r}.")
                return value
    raise TypeError(f"the list of {key} is neither a JSON array nor an object holding one")


def _next_link(body: object) -> str | None:
    if not isinstance(body, Mapping):
        return None
    links = body.get("links") or body.get("_links")
    candidates = [body.get(key) for key in _NEXT_KEYS]
    if isinstance(links, Mapping):
        candidates.append(links.get("next"))
    for value in candidates:
        if isinstance(value, Mapping):
            value = value.get("href")
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def page_of(body: object, key: str, parse: Callable[[Any], T]) -> Page[T]:
    """Return a :class:`Page` of ``key`` entries, each read with ``parse``."""
    return Page([parse(item) for item in items_of(body, key)], _next_link(body))
