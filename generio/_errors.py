"""The one error hierarchy of generio.

Every expected failure surfaces as one of these, never as a raw httpx, KeyError or
JSONDecodeError::

    GenerioError
    ├── ConfigurationError        (also ValueError)   bad client settings
    ├── InputError                (also ValueError)   bad local input: file, MIME type, data URI
    │   └── IdempotencyConflictError                   a key reused for a different request
    ├── APIError                                       talking to the service failed
    │   ├── LookupIncompleteError                      a key's lookup could not read enough
    │   │                                               (in ``_key_errors.py``)
    │   ├── APIConnectionError                         no usable response (reset, DNS, TLS)
    │   │   └── APITimeoutError   (also TimeoutError)
    │   │       └── DownloadTimeoutError                a download past download_timeout
    │   └── APIStatusError                             the service answered with an error
    │       ├── AuthenticationError      401
    │       ├── PermissionDeniedError    403
    │       ├── NotFoundError            404
    │       ├── ConflictError            409
    │       ├── ValidationError          422 (field errors parsed)
    │       ├── RateLimitError           429
    │       └── ServerError              5xx, or a body generio cannot parse
    │           └── ResponseTooLargeError  an answer past max_response/download_bytes
    ├── ClientClosedError     (also RuntimeError) the client was closed
    ├── OutputSaveError       (also OSError)      an output could not be written locally
    ├── WrongEventLoopError   (also RuntimeError) an AsyncGenerio used from another loop
    ├── FlowFailed                                     a flow ended failed or aborted
    ├── FlowNotStarted                                 waiting on a flow nobody started
    └── WaitTimeout               (also TimeoutError) waiting gave up; the flow runs on

Messages say what went wrong and what to do, never with a secret: every message passes
:func:`hide_secrets`. Every error pickles to an equal-looking one (``_pickling.py``).
What became of a flow (``FlowFailed``, ``FlowNotStarted``, ``WaitTimeout``): ``_outcomes.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from generio._error_body import FieldError, Words, parse_body, parse_retry_after, read_words
from generio._secret import hide_secrets, hiding
from generio._pickling import reduce_error

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "ClientClosedError",
    "ConfigurationError",
    "ConflictError",
    "DownloadTimeoutError",
    "FieldError",
    "GenerioError",
    "IdempotencyConflictError",
    "InputError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseTooLargeError",
    "ServerError",
    "ValidationError",
    "WrongEventLoopError",
    "error_from_response",
    "hide_secrets",
    "hiding",
    "parse_retry_after",
]

_BODY_SNIPPET = 200


class GenerioError(Exception):
    """Base of every error generio raises on purpose; pickles with all its attributes."""

    def __init__(self, message: str) -> None:
        message = hide_secrets(message)
        super().__init__(message)
        self.message = message

    __reduce__ = reduce_error


class ConfigurationError(GenerioError, ValueError):
    """The client was built with settings that cannot work (no key, insecure URL, ...)."""


class InputError(GenerioError, ValueError):
    """A local input is unusable: missing or empty file, unsupported MIME type, bad data URI."""


class IdempotencyConflictError(InputError):
    """An idempotency key was used before for a different request; nothing was created.

    Attributes:
        key: the key.
        flow_id: the flow created earlier with this key.
    """

    def __init__(self, key: str, flow_id: str) -> None:
        self.key = key
        self.flow_id = flow_id
        super().__init__(
            f"idempotency key {key!r} was already used for flow {flow_id} with a different "
            "template, parameters or inputs, so nothing was created. Use a new key for a new "
            f"request, or the same arguments to get flow {flow_id} back."
        )


class APIError(GenerioError):
    """Talking to the Flows API failed. Carries the request's method and path."""

    def __init__(self, message: str, *, method: str, path: str) -> None:
        super().__init__(message)
        self.method = method
        self.path = path


class APIConnectionError(APIError):
    """No usable response arrived: connection refused or reset, DNS or TLS failure."""


class APITimeoutError(APIConnectionError, TimeoutError):
    """The request did not complete within the client's timeout."""


class APIStatusError(APIError):
    """The service answered with an error status (or a body generio cannot read).

    ``retry_after`` is the server's ``Retry-After`` hint in seconds, when it sent one (a 503
    may carry one as well as a 429); generio waits that long before any retry.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str,
        path: str,
        status_code: int,
        detail: Any = None,
        body: str = "",
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, method=method, path=path)
        self.status_code = status_code
        self.retry_after = retry_after
        #: The server's words: its ``detail`` (a string, or the list of 422 errors), or the
        #: message of another error shape (``{"error": {"message"}}``, ``{"message"}``...).
        self.detail = detail
        #: The start of the raw body, for diagnostics.
        self.body = body
        #: The server's machine-readable error code, when it gave one.
        self.code = code
        #: The response's headers (lower-case names).
        self.headers: dict[str, str] = {k.lower(): v for k, v in (headers or {}).items()}
        #: The service's id of the request (``x-request-id`` or ``request-id``), for support.
        self.request_id = self.headers.get("x-request-id") or self.headers.get("request-id")


class AuthenticationError(APIStatusError):
    """401: the API key is missing or wrong."""


class PermissionDeniedError(APIStatusError):
    """403: the key is valid but may not do this."""


class NotFoundError(APIStatusError):
    """404: no such template, flow or asset."""


class ConflictError(APIStatusError):
    """409: the flow's state forbids the request (start twice, upload after start, ...)."""


class ValidationError(APIStatusError):
    """422: the service rejected the request's parameters or body; see ``errors``."""

    def __init__(self, message: str, *, errors: Sequence[FieldError], **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.errors: tuple[FieldError, ...] = tuple(errors)


class RateLimitError(APIStatusError):
    """429: too many requests; ``retry_after`` is the server's hint in seconds, if any."""


class ServerError(APIStatusError):
    """5xx, or a response body generio cannot parse (an HTML proxy page, truncated JSON)."""


class ResponseTooLargeError(ServerError):
    """An answer went past the client's size limit; decompressed bytes count.

    The limit is ``max_response_bytes`` for JSON answers, ``max_download_bytes`` for one
    downloaded output.

    The rest of the body is not read, nothing is saved, and the call is not retried (the
    same answer would come again). ``limit`` is the limit in bytes that was passed.
    """

    def __init__(self, message: str, *, limit: int, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.limit = limit


class DownloadTimeoutError(APITimeoutError):
    """Fetching an output took longer than ``download_timeout``, retries included."""


class ClientClosedError(GenerioError, RuntimeError):
    """The client (or the one ``with_options`` copied) was closed, maybe during the call.

    ``generio_flow_id`` names the flow of an interrupted ``run()``; a note, its fate.
    """

    generio_flow_id: str | None = None

    def __init__(self, client: str, *, in_flight: bool = False) -> None:
        what = "was closed while this call was in flight, so it" if in_flight else "is closed and"
        super().__init__(
            f"this {client} {what} cannot send requests. What to do: create a new {client}, "
            "and close it only when you are done with it (use it in a with block)."
        )


class WrongEventLoopError(GenerioError, RuntimeError):
    """An :class:`~generio.AsyncGenerio` was used from an event loop other than its own."""

    def __init__(self) -> None:
        super().__init__(
            "this AsyncGenerio was first used in another event loop; its connections belong "
            "there. What to do: create one AsyncGenerio per event loop, inside the loop that "
            "uses it (e.g. inside the function you pass to asyncio.run)."
        )


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
    """Build the typed error for a response; shared by the sync and async clients.

    The server's words are kept whatever the shape of its body (``_error_body.read_words``):
    ``.code`` holds its error code, field errors land in a :class:`ValidationError`'s
    ``.errors``; ``.request_id`` and ``.headers`` come from the response's headers.

    Args:
        method: the request's HTTP method.
        path: the request's path (no host, no query string with secrets).
        status_code: the response status.
        content: the raw response body.
        headers: the response headers (``Retry-After``, the request id; all are kept).
        unparseable: the body could not be parsed as the API documents it.
    """
    text = hide_secrets(content.decode("utf-8", errors="replace"))
    parsed = parse_body(text)
    words = read_words(parsed)
    html = text.lstrip()[:1] == "<"
    if parsed is None and text.strip() and not html and not unparseable:
        # Plain text: the server's words as they are (first line, bounded).
        words = Words(text.strip().splitlines()[0][:_BODY_SNIPPET], detail=text.strip())

    cls: type[APIStatusError]
    # The status decides the class: a 404 whose body is a proxy's HTML page is still a 404.
    # Only a success whose body cannot be read is the service's fault (ServerError).
    if status_code < 400 or status_code >= 500:
        cls = ServerError
    else:
        cls = _STATUS_CLASSES.get(status_code, APIStatusError)

    if unparseable or (html and parsed is None):
        what = f"an unreadable body (not the JSON the API documents, starts {text[:60].strip()!r})"
    elif words.message is not None:
        what = words.message if words.code is None else f"{words.message} (code {words.code})"
    elif cls is ValidationError:
        what = "invalid request"
    else:
        what = "no detail given"

    advice = _ADVICE.get(cls, "see the status code and detail")
    kept = {k.lower(): hide_secrets(v) for k, v in headers.items()}
    request_id = kept.get("x-request-id") or kept.get("request-id")
    quoted = f" (request id {request_id})" if request_id else ""
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
    common["retry_after"] = parse_retry_after(headers.get("retry-after"))
    return cls(message, **common)


class MissingExtraError(GenerioError, ImportError):
    """A feature needs an optional extra (``cli``, ``emulator``) that is not installed.

    An ``ImportError`` too, so code that guards an optional import keeps working. Says which
    extra and how to install it, from a clone and from a package index.

    Attributes:
        extra: the extra's name(s) as pip spells them, e.g. ``emulator`` or ``cli,emulator``.
        feature: what needs it.
    """

    def __init__(self, feature: str, extra: str, missing: str | None = None) -> None:
        self.extra = extra
        self.feature = feature
        what = f" ({missing} is missing)" if missing else ""
        super().__init__(
            f"{feature} needs the {extra!r} extra, which is not installed{what}. "
            f"From a clone of the repository: pip install '.[{extra}]'; "
            f"from a package index: pip install 'generio[{extra}]'."
        )
        self.name = missing
