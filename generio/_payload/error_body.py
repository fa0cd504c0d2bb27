"""An error answer becomes a typed error: the server's words read whatever their shape."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import attrs

from generio._errors import (
    APIStatusError,
    AuthenticationError,
    ConflictError,
    FieldError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    ValidationError,
)
from generio._payload.json_bounds import too_many_values
from generio._secret import hide_secrets

_BODY_SNIPPET = 200


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
    return FieldError(parts, str(msg), str(item.get("type", item.get("code", ""))))


def _field_errors(value: Any) -> tuple[FieldError, ...]:
    """Field errors from a list of entries, or a mapping of field name -> message(s)."""
    found: list[FieldError | None] = []
    if isinstance(value, list):
        found = [_field_error(item) for item in value]
    elif isinstance(value, Mapping):
        lists = {name: e if isinstance(e, list) else [e] for name, e in value.items()}
        found = [_field_error(e, name) for name, entries in lists.items() for e in entries]
    return tuple(error for error in found if error is not None)


@attrs.frozen
class Words:
    """What the server said, whatever the shape of its error body."""

    message: str | None = None
    code: str | None = None
    errors: tuple[FieldError, ...] = ()
    detail: Any = None


def _text_of(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _joined(errors: tuple[FieldError, ...]) -> str | None:
    return "; ".join(map(str, errors)) or None


def read_words(parsed: object) -> Words:
    """Read what the server said from any common error body (see the module's docstring)."""
    if isinstance(parsed, str):
        return Words(_text_of(parsed), detail=parsed)
    if isinstance(parsed, list):
        errors = _field_errors(parsed)
        return Words(_joined(errors), errors=errors, detail=parsed)
    if not isinstance(parsed, Mapping):
        return Words()
    raw_code = parsed.get("code") or parsed.get("error_code")
    code = (
        str(raw_code)
        if isinstance(raw_code, str | int) and not isinstance(raw_code, bool)
        else None
    )
    if "detail" in parsed:  # FastAPI: a message, field errors, or an object of its own
        inner = read_words(parsed["detail"])
        return attrs.evolve(inner, code=inner.code or code, detail=parsed["detail"])
    error = parsed.get("error")
    if isinstance(error, Mapping):
        inner = read_words({k: v for k, v in error.items() if k != "error"})
        errors = _field_errors(error.get("fields", error.get("details", error.get("errors"))))
        message = _text_of(error.get("message")) or inner.message
        return Words(message, inner.code or code, errors or inner.errors, message)
    message = _text_of(parsed.get("message")) or _text_of(parsed.get("error_description"))
    error_text = _text_of(error)
    if error_text is not None:
        # {"error": "invalid_token", "message": "..."}: the short word is the code.
        if message is not None:
            return Words(message, code or error_text, detail=message)
        return Words(error_text, code, detail=error_text)
    errors = _field_errors(parsed.get("errors"))
    message = message or _joined(errors)
    return Words(message, code, errors, message)


def parse_body(text: str) -> Any:
    """Return an error body's JSON, or None: empty, not JSON, nested thousands deep, too large."""
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


_STATUS_CLASSES: Mapping[int, type[APIStatusError]] = {
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: ValidationError,
    429: RateLimitError,
}
_ADVICE: Mapping[type[APIStatusError], str] = {
    AuthenticationError: "check the API key (argument api_key or $GENERIO_API_KEY)",
    PermissionDeniedError: "check that this key's account may use this resource",
    NotFoundError: "check the id or name; list them to see what exists",
    ConflictError: "check the flow's state first (get it) and retry only what the state allows",
    ValidationError: "fix the fields listed above",
    RateLimitError: "slow down, or raise max_retries to let generio wait and retry",
    ServerError: "this is on the service's side; retry later",
}


def error_from_response(
    method: str,
    path: str,
    status_code: int,
    content: bytes,
    headers: Mapping[str, str],
    *,
    unparseable: bool = False,
) -> APIStatusError:
    """Build the typed error for a response; the status decides the class."""
    text = hide_secrets(content.decode("utf-8", errors="replace"))
    parsed = parse_body(text)
    words = read_words(parsed)
    html = text.lstrip()[:1] == "<"
    if parsed is None and text.strip() and not html and not unparseable:
        # Plain text: the server's words as they are (first line, bounded).
        words = Words(text.strip().splitlines()[0][:_BODY_SNIPPET], detail=text.strip())
    # A 404 whose body is a proxy's HTML page is still a 404; only a success whose body
    # cannot be read is the service's fault (ServerError).
    cls = ServerError if not 400 <= status_code < 500 else _STATUS_CLASSES.get(status_code)
    cls = cls or APIStatusError
    if unparseable or (html and parsed is None):
        what = f"an unreadable body (not the JSON the API documents, starts {text[:60].strip()!r})"
    elif words.message is not None:
        what = words.message if words.code is None else f"{words.message} (code {words.code})"
    else:
        what = "invalid request" if cls is ValidationError else "no detail given"
    kept = {k.lower(): hide_secrets(v) for k, v in headers.items()}
    request_id = kept.get("x-request-id") or kept.get("request-id")
    quoted = f" (request id {request_id})" if request_id else ""
    advice = _ADVICE.get(cls, "see the status code and detail")
    message = (
        f"{method} {path} failed with HTTP {status_code}{quoted}: {what}. What to do: {advice}."
    )
    common: dict[str, Any] = {
        "method": method,
        "path": path,
        "status_code": status_code,
        "detail": words.detail,
        "body": text[:_BODY_SNIPPET],
        "code": words.code,
        "headers": kept,
    }
    if cls is ValidationError:
        return ValidationError(message, errors=words.errors, **common)
    # Any status may carry a hint (a 503 with Retry-After): honoured before any retry.
    return cls(message, retry_after=parse_retry_after(headers.get("retry-after")), **common)
