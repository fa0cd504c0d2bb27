"""Answers into results and errors: what a driver does with each request of a job."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from generio._errors import (
    APIConnectionError,
    APITimeoutError,
    GenerioError,
    InputError,
    ServerError,
)
from generio._http.bounded import content_limit, too_many
from generio._http.sending import tags
from generio._payload.error_body import error_from_response
from generio._payload.json_bounds import MAX_JSON_VALUES, MAX_PAGE_ENTRIES, too_many_values
from generio._secret import hide_secrets

if TYPE_CHECKING:  # the operations load the generated client: with the first request
    from generio._http.operations import Operation
    from generio._http.policy import Budget
    from generio._http.settings import Settings


T = TypeVar("T")
_JSON_TYPES = ("application/json", "+json")


def _was_read(response: httpx.Response) -> bool:
    """Whether the answer's body was read (parsing happens only after that)."""
    try:
        _ = response.content
    except httpx.ResponseNotRead:
        return False
    return True


def connection_error(op: Operation[Any], exc: Exception) -> APIConnectionError:
    """Our error for a transport failure (no usable response)."""
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(
            f"{op.method} {op.path} timed out ({type(exc).__name__}). What to do: retry later, "
            "or give the client a longer timeout=.",
            method=op.method,
            path=op.path,
        )
    return APIConnectionError(
        f"{op.method} {op.path} failed without a response "
        f"({type(exc).__name__}: {hide_secrets(str(exc))}). "
        "What to do: check the network and the base URL, then retry.",
        method=op.method,
        path=op.path,
    )


#: What reading a hostile answer can raise besides ValueError: OverflowError (a number too
#: large for a float), RecursionError (JSON nested thousands deep), ...
_UNREADABLE = (ValueError, LookupError, TypeError, AttributeError, ArithmeticError, RecursionError)


def scrubbed(exc: BaseException) -> BaseException:
    """Drop the tracebacks of a foreign exception and what it chains, and hide secrets."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        current.__traceback__ = None
        current.args = tuple(hide_secrets(a) if isinstance(a, str) else a for a in current.args)
        current = current.__cause__ or current.__context__
    return exc


class _Errors:
    """Turns what escapes one request into generio's errors (a class: it wraps every request)."""

    __slots__ = ("_op", "_seen")

    def __init__(self, op: Operation[Any], seen: list[httpx.Response]) -> None:
        self._op = op
        self._seen = seen

    def __enter__(self) -> None:
        pass

    def __exit__(self, kind: object, exc: BaseException | None, _: object) -> None:
        if exc is None or isinstance(exc, GenerioError):
            return
        op, seen = self._op, self._seen
        if isinstance(exc, httpx.RequestError | httpx.StreamError):
            raise connection_error(op, exc) from scrubbed(exc)
        if isinstance(exc, _UNREADABLE) and seen and _was_read(seen[-1]):
            last = seen[-1]
            raise error_from_response(
                op.method, op.path, last.status_code, last.content, last.headers, unparseable=True
            ) from scrubbed(exc)
        # Anything else is not a failure to parse an answer: a bug that must stay visible.


def guarded(
    op: Operation[Any], budget: Budget, settings: Settings
) -> tuple[dict[str, Any], _Errors]:
    """Return one request's ``extensions`` and the block that turns its failures into ours."""
    limit = content_limit(settings.max_download_bytes) if op.carries_data else None
    extensions, seen = tags(budget, limit)
    return extensions, _Errors(op, seen)


def _parsed(read: Callable[[], T]) -> T:
    """Run a parse; a malformed data URI, id or MIME type *in an answer* is the service's."""
    try:
        return read()
    except InputError as exc:
        raise ValueError(f"the answer holds bad data: {exc}") from None


def _entries(body: object) -> int:
    """Return the length of the longest list at the top of an answer (a page's entries)."""
    if isinstance(body, list):
        return len(body)
    if isinstance(body, dict):
        return max((len(v) for v in body.values() if isinstance(v, list)), default=0)
    return 0


def _json_of(op: Operation[Any], response: httpx.Response) -> Any:
    """Parse an answer's JSON within the bounds of ``_payload/json_bounds.py``."""
    content = response.content
    if not op.carries_data and too_many_values(content):
        raise too_many(op.method, op.path, MAX_JSON_VALUES, "JSON values")
    body = response.json()
    # A list of n entries takes at least 2n bytes ("[1,1,...]"): a short answer has no long one.
    if len(content) > 2 * MAX_PAGE_ENTRIES and _entries(body) > MAX_PAGE_ENTRIES:
        raise too_many(op.method, op.path, MAX_PAGE_ENTRIES, "entries in one list")
    return body


def check_status(op: Operation[Any], response: httpx.Response) -> None:
    """Raise the error an unsuccessful answer stands for (its body read)."""
    if not 200 <= response.status_code < 300:
        raise error_from_response(
            op.method, op.path, response.status_code, response.content, response.headers
        )


def read_answer(op: Operation[T], response: httpx.Response) -> T:
    """Our object from an answer (already read), or the error it stands for."""
    check_status(op, response)
    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    binary = op.binary
    if binary is not None and content_type and not content_type.endswith(_JSON_TYPES):
        return _parsed(lambda: binary(response.content, content_type))
    content = response.content
    if not content or (content[:1].isspace() and not content.strip()):
        return _parsed(lambda: op.parse(None))
    if binary is not None and not content_type and content.lstrip()[:1] not in (b"{", b"["):
        return _parsed(lambda: binary(content, content_type))  # no Content-Type, no JSON
    body = _json_of(op, response)
    return _parsed(lambda: op.parse(body))


class Prefix:
    """What goes before an operation's path to make the URL httpx's merge would make.

    With no query or fragment in the base URL, that is the base as text without its last
    slash; None when it has either (httpx merges those). Remade when the base URL changes.
    """

    __slots__ = ("_pair",)

    def __init__(self) -> None:
        self._pair: tuple[httpx.URL | None, str | None] = (None, None)

    def of(self, http: httpx.Client | httpx.AsyncClient) -> str | None:
        """Return the prefix for ``http``'s base URL."""
        url = http.base_url
        pair = self._pair  # one read: another thread may replace it meanwhile
        if pair[0] is not url:
            text = None if url.query or url.fragment else str(url).removesuffix("/")
            pair = self._pair = (url, text)
        return pair[1]


def bad_body(path: str, why: str) -> ServerError:
    """Return the error of a 200 answer whose body is not what the API documents."""
    return ServerError(
        f"GET {path} answered 200 but {hide_secrets(why)}. What to do: this is "
        "on the service's side; retry later.",
        method="GET",
        path=path,
        status_code=200,
    )
