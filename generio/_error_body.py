"""Reading what a server said from its error body, whatever the body's shape.

FastAPI's ``{"detail": ...}`` (a string, or a list of field errors) is what our spec
describes; a real service may answer ``{"error": {"code", "message", "fields"}}`` as the
peer API does, ``{"message", "code"}``, ``{"error": "..."}`` or ``{"errors": [...]}``.
:func:`read_words` turns any of them into :class:`Words`; ``_errors.error_from_response``
builds the typed error from those.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import attrs

from generio._payload.json_bounds import too_many_values

__all__ = ["FieldError", "Words", "parse_body", "parse_retry_after", "read_words"]


@attrs.frozen
class FieldError:
    """One entry of a 422 body: where (``loc``), what (``msg``) and the error ``type``."""

    loc: tuple[str | int, ...]
    msg: str
    type: str

    def __str__(self) -> str:
        where = ".".join(str(part) for part in self.loc) or "request"
        return f"{where}: {self.msg}"


def _field_error(item: object, name: object = None) -> FieldError | None:
    """One field error: FastAPI's ``{loc, msg, type}`` or ``{field, message, code}``."""
    if isinstance(item, str):
        return FieldError((str(name),) if name is not None else (), item, "")
    if not isinstance(item, Mapping):
        return None
    loc = item.get("loc", item.get("field", item.get("name", item.get("path", name))))
    if isinstance(loc, str):
        loc = loc.split(".") if "." in loc and "loc" not in item else [loc]
    parts = tuple(p for p in loc if isinstance(p, str | int)) if isinstance(loc, list) else ()
    msg = item.get("msg", item.get("message", item.get("detail", "")))
    kind = item.get("type", item.get("code", ""))
    return FieldError(parts, str(msg), str(kind))


def _parse_field_errors(value: Any) -> list[FieldError]:
    """Field errors from a list of entries, or a mapping of field name -> message(s)."""
    found: list[FieldError | None] = []
    if isinstance(value, list):
        found = [_field_error(item) for item in value]
    elif isinstance(value, Mapping):
        for name, entry in value.items():
            entries = entry if isinstance(entry, list) else [entry]
            found += [_field_error(e, name) for e in entries]
    return [error for error in found if error is not None]


@attrs.frozen
class Words:
    """What the server said, whatever the shape of its error body."""

    message: str | None = None
    code: str | None = None
    errors: tuple[FieldError, ...] = ()
    detail: Any = None


def _text_of(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _code_of(value: object) -> str | None:
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else None


def read_words(parsed: object) -> Words:
    """Read what the server said from any common error body.

    FastAPI ``detail`` (str or list), ``{"error": {code, message, fields}}``,
    ``{"error": "..."}``, ``{"message": ...}`` and ``{"errors": [...]}``.
    """
    if isinstance(parsed, str):
        return Words(_text_of(parsed), detail=parsed)
    if isinstance(parsed, list):
        errors = tuple(_parse_field_errors(parsed))
        return Words("; ".join(map(str, errors)) or None, errors=errors, detail=parsed)
    if not isinstance(parsed, Mapping):
        return Words()
    code = _code_of(parsed.get("code") or parsed.get("error_code"))
    if "detail" in parsed:
        detail = parsed["detail"]
        if isinstance(detail, Mapping):
            inner = read_words(detail)
            return attrs.evolve(inner, code=inner.code or code, detail=detail)
        if isinstance(detail, list):
            errors = tuple(_parse_field_errors(detail))
            text = "; ".join(map(str, errors)) or None
            return Words(text, code, errors, detail)
        return Words(_text_of(detail), code, detail=detail)
    error = parsed.get("error")
    if isinstance(error, Mapping):
        inner = read_words({k: v for k, v in error.items() if k != "error"})
        fields = error.get("fields", error.get("details", error.get("errors")))
        errors = tuple(_parse_field_errors(fields)) or inner.errors
        message = _text_of(error.get("message")) or inner.message
        return Words(message, inner.code or code, errors, message)
    message = _text_of(parsed.get("message")) or _text_of(parsed.get("error_description"))
    error_text = _text_of(error)
    if error_text is not None:
        # {"error": "invalid_token", "message": "..."}: the short word is the code.
        if message is not None:
            return Words(message, code or error_text, detail=message)
        return Words(error_text, code, detail=error_text)
    errors = tuple(_parse_field_errors(parsed.get("errors")))
    if message is None and errors:
        message = "; ".join(map(str, errors))
    return Words(message, code, errors, message)


def parse_body(text: str) -> Any:
    """Return an error body's JSON, or None: empty, not JSON, nested thousands deep, too large.

    A body of more values than :data:`~generio._payload.json_bounds.MAX_JSON_VALUES` is not
    parsed: an error page never needs that many, and parsed they would cost memory.
    """
    if not text.strip() or too_many_values(text):
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: hostile nesting
        return None


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date), or None."""
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
