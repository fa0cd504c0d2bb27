"""The one error hierarchy of generio: every expected failure is one of these.

Messages say what to do and never carry a secret (``_secret.hide_secrets``); every
error pickles whole (rebuilt without its ``__init__``). The tree is in the README's "Errors".
"""

from __future__ import annotations

import errno as _errno
import os
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from generio._secret import hide_secrets
from generio._version import wheel_path

#: What built-in bases (OSError, ImportError) keep outside ``__dict__``.
_NATIVE = ("errno", "strerror", "filename", "name")


def reduce_error(error: BaseException) -> tuple[Any, ...]:
    """Pickle ``error`` as its class, args, native fields and instance attributes."""
    # An unset field is left out: restoring None would change str() of an OSError.
    native = {n: v for n in _NATIVE if (v := getattr(error, n, None)) is not None}
    return (restore_error, (type(error), error.args, native, dict(error.__dict__)))


def restore_error(
    cls: type[BaseException], args: tuple[Any, ...], native: dict[str, Any], state: dict[str, Any]
) -> BaseException:
    """Rebuild an error pickled by :func:`reduce_error`, without running its ``__init__``."""
    error = cls.__new__(cls, *args)
    error.args = args
    for name, value in native.items():
        setattr(error, name, value)
    error.__dict__.update(state)
    return error


class GenerioError(Exception):
    """Base of every error generio raises on purpose; pickles with all its attributes."""

    def __init__(self, message: str) -> None:
        message = hide_secrets(message)
        super().__init__(message)
        self.message = message

    __reduce__ = reduce_error


class ConfigurationError(GenerioError, ValueError):
    """The client was built with settings that cannot work (no key, insecure URL, ...)."""


def check_count(name: str, value: object, least: int, unit: str = "") -> int:
    """Return ``value``, an integer >= ``least``; else a ConfigurationError naming ``name``.

    Here, not with the settings, so option types check counts without importing httpx.
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ConfigurationError(f"{name} must be an integer{unit} >= {least}, not {value!r}.")
    return value


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


class DownloadTimeoutError(APITimeoutError):
    """Fetching an output took longer than ``download_timeout``, retries included."""


@attrs.frozen
class FieldError:
    """One entry of a 422 body: where (``loc``), what (``msg``) and the error ``type``."""

    loc: tuple[str | int, ...]
    msg: str
    type: str

    def __str__(self) -> str:
        return f"{'.'.join(str(part) for part in self.loc) or 'request'}: {self.msg}"


class APIStatusError(APIError):
    """The service answered with an error status (or a body generio cannot read).

    Attributes:
        status_code: the HTTP status.
        retry_after: the server's ``Retry-After`` hint in seconds, when it sent one (a 503
            may carry one as well as a 429); generio waits that long before any retry.
        detail: the server's words: its ``detail`` (a string, or the list of 422 errors),
            or the message of another error shape (``{"error": {"message"}}``, ...).
        body: the start of the raw body, for diagnostics.
        code: the server's machine-readable error code, when it gave one.
        headers: the response's headers (lower-case names).
        request_id: the service's id of the request (``x-request-id`` or ``request-id``).
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
        self.detail = detail
        self.body = body
        self.code = code
        self.headers: dict[str, str] = {k.lower(): v for k, v in (headers or {}).items()}
        self.request_id: str | None = self.headers.get("x-request-id") or self.headers.get(
            "request-id"
        )


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
    downloaded output. The rest of the body is not read, nothing is saved, and the call is
    not retried (the same answer would come again). ``limit`` is the limit in bytes passed.
    """

    def __init__(self, message: str, *, limit: int, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.limit = limit


class LookupIncompleteError(APIError):
    """Looking for the flow an idempotency key made could not read all it needed to.

    Raised instead of creating (a flow the lookup missed would be billed twice): the listing
    went past ``KeyLookup.max_pages``, or a page or a flow could not be read, or a ``next``
    link left the base URL. Nothing was created by the call that raised it; after a lost
    answer, the first request may have made a flow, and nothing more was sent.

    Attributes:
        key: the idempotency key looked for.
        reason: what stopped the lookup.
        pages: list pages read by this lookup.
        flows: flows those pages held.
        oldest: the oldest creation time reached, when the listing gave times.

    ``listing`` is the request of the listing's pages (``GET /flows``), for the message.
    """

    def __init__(
        self,
        key: str,
        reason: str,
        *,
        pages: int,
        flows: int,
        oldest: datetime | None,
        after: str,
        listing: str = "",
        cause: str = "unreadable",
    ) -> None:
        # cause: "unreadable" (a page or flow: later may work), "bound" (max_pages: the
        # account only grows) or "links" (the listing's next links are broken).
        self.key = key
        self.reason = reason
        self.pages = pages
        self.flows = flows
        self.oldest = oldest
        reached = f", back to {oldest.isoformat()}" if oldest is not None else ""
        if after:  # a create whose answer was lost: its flow may exist
            where = {
                "bound": "from a client with a higher KeyLookup(max_pages=...)",
                "links": "or in flows.list()",
            }.get(cause, "once the service answers")
            advice = (
                "It was not sent again: a flow it made would be billed twice. What to do: "
                f"look for it with flows.find(idempotency_key={key!r}) {where}, before "
                "creating again."
            )
        else:
            cure = {
                "bound": "raise KeyLookup(max_pages=...)",
                "links": "check the service's next links",
            }.get(cause, "try again later")
            advice = (
                f"Nothing was created, so nothing can be billed twice. What to do: {cure}, or "
                "pass KeyLookup(on_incomplete='create') to create anyway."
            )
        super().__init__(
            f"{after}could not tell whether a flow with idempotency key {key!r} exists: {reason} "
            f"(read {pages} page(s) of {listing or 'the flow listing'}, {flows} flow(s){reached}). "
            f"{advice}",
            method=listing.partition(" ")[0],
            path=listing.partition(" ")[2],
        )


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


class OutputSaveError(GenerioError, OSError):
    """An output could not be written locally (disk full, read-only, permissions...).

    Nothing partial is left, and nothing was retried against the service: the flow
    completed and its outputs stay there; fetch them again once the cause is fixed. An
    ``OSError`` too, so ``except OSError`` and ``errno.ENOSPC`` checks keep working.

    Attributes:
        generio_flow_id: the flow the output belongs to (None when not known).
        asset_id: the output's id (None when not known).
        path: the file (or directory) that could not be written; also ``filename``.
        errno: the system's error number (``errno.ENOSPC``, ``errno.EROFS``, ...).
        strerror: the system's words for it.
    """

    def __init__(
        self,
        error: OSError,
        path: str | os.PathLike[str],
        *,
        flow_id: str | None = None,
        asset_id: str | None = None,
    ) -> None:
        where = os.fspath(path)
        why = error.strerror or str(error) or type(error).__name__
        code = _errno.errorcode.get(error.errno or 0)
        what = f"could not save {f'output {asset_id}' if asset_id else 'an output'}"
        fix = (
            "free space or fix the directory (permissions, a read-only or missing disk), or "
            "choose another one"
        )
        if flow_id:
            what = (
                f"{what} of flow {flow_id} to {where!r}: {why}{f' ({code})' if code else ''}. "
                f"This failed here, not on the service: flow {flow_id} completed and its "
                f"outputs stay there. What to do: {fix}, then fetch them again with "
                f"flows.download_outputs({flow_id!r}, out_dir), which creates no new flow."
            )
        else:
            what = f"{what} to {where!r}: {why}{f' ({code})' if code else ''}. What to do: {fix}"
            what += ", then save it again."
        super().__init__(what)
        self.errno: int | None = error.errno
        self.strerror: str | None = error.strerror
        self.path: str = where
        self.filename = where
        self.asset_id = asset_id
        self.generio_flow_id = flow_id

    def __str__(self) -> str:
        # OSError's own would print "[Errno 28] ...: 'path'" and drop what to do.
        return self.message


class MissingExtraError(GenerioError, ImportError):
    """A feature needs an optional extra (``cli``, ``emulator``, ``mesh``) that is not installed.

    An ``ImportError`` too; says how to install the extra: from a clone, a wheel, or PyPI.

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
            f"from a wheel (nox -s build makes it): pip install '{wheel_path()}[{extra}]'; "
            f"once generio is on PyPI: pip install 'generio[{extra}]'."
        )
        self.name = missing


#: What each extra brings (the top-level modules to look for).
CLI_MODULES = ("typer", "rich")
EMULATOR_MODULES = ("fastapi", "uvicorn", "starlette", "pydantic")


def require_extra(feature: str, extra: str, modules: tuple[str, ...]) -> None:
    """Raise :class:`MissingExtraError` unless every module of the extra can be imported."""
    import importlib.util  # not with the client: only the CLI and the emulator ask

    for module in modules:
        try:
            missing = importlib.util.find_spec(module) is None
        except (ImportError, ValueError):  # a parent that fails to import, a None in sys.modules
            missing = True
        if missing:
            raise MissingExtraError(feature, extra, module)
