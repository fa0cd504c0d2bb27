"""Answers with a ceiling: every body is decompressed here, in small pieces, and counted.

httpx would inflate a whole network chunk at once inside ``read()``: a small gzip bomb
becomes gigabytes, so the limit counts decompressed bytes, piece by piece.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, Final

import attrs
import httpx

from generio._errors import ResponseTooLargeError, ServerError

#: Largest piece of decompressed data produced at once.
PIECE: Final = 64 * 1024
#: What generio asks for: the encodings :func:`bound` can decompress in pieces.
ACCEPT_ENCODING: Final = "gzip, deflate"
_GZIP = frozenset({"gzip", "x-gzip"})
_KNOWN = _GZIP | {"deflate"}
_JSON_HINT = (
    " (no answer of this API without a model needs much: models count against max_download_bytes)"
)
#: Room for the JSON around a model's base64 (its other fields, whitespace).
_ENVELOPE = 1024 * 1024


@attrs.frozen
class Limit:
    limit: int
    setting: str


def content_limit(max_download_bytes: int) -> Limit:
    """Return the ceiling of an answer that carries one model: its base64 in its JSON."""
    return Limit(max_download_bytes // 3 * 4 + 4 + _ENVELOPE, "max_download_bytes")


#: The key of a request's httpx ``extensions`` whose :class:`Limit` replaces the client's
#: JSON limit for that request's answer (answers that carry models).
LIMIT_EXTENSION = "generio_body_limit"


class _Inflater:
    """One content coding undone in pieces of at most :data:`PIECE` bytes."""

    def __init__(self, coding: str) -> None:
        self._coding = coding
        # gzip: its header; deflate: the zlib header, or raw deflate as some servers send.
        self._zlib = zlib.decompressobj(zlib.MAX_WBITS | 16 if coding in _GZIP else zlib.MAX_WBITS)
        self._raw_possible = coding == "deflate"  # until the first piece is fed

    def feed(self, data: bytes) -> Iterator[bytes]:
        try:
            try:
                first = self._zlib.decompress(data, PIECE)
            except zlib.error:
                if not self._raw_possible:
                    raise
                self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                first = self._zlib.decompress(data, PIECE)
            finally:
                self._raw_possible = False
            if first:
                yield first
            while self._zlib.unconsumed_tail:
                piece = self._zlib.decompress(self._zlib.unconsumed_tail, PIECE)
                if not piece:
                    break
                yield piece
        except zlib.error as exc:
            raise httpx.DecodingError(f"the {self._coding} body is corrupt: {exc}") from None

    def flush(self) -> Iterator[bytes]:
        try:
            rest = self._zlib.flush()
        except zlib.error as exc:  # pragma: no cover - flush raises only on internal errors
            raise httpx.DecodingError(f"the {self._coding} body is corrupt: {exc}") from None
        for start in range(0, len(rest), PIECE):
            yield rest[start : start + PIECE]


def _through(inflaters: list[_Inflater], data: bytes) -> Iterator[bytes]:
    if not inflaters:
        if data:
            yield data
        return
    for piece in inflaters[0].feed(data):
        yield from _through(inflaters[1:], piece)


def _flushed(inflaters: list[_Inflater]) -> Iterator[bytes]:
    for index, inflater in enumerate(inflaters):
        for piece in inflater.flush():
            yield from _through(inflaters[index + 1 :], piece)


class _Framed(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body framed within its limit: h11 reads no more, so only its end is told to the pool."""

    def __init__(
        self, inner: httpx.SyncByteStream | httpx.AsyncByteStream, done: Callable[[], None] | None
    ) -> None:
        self._inner: Any = inner  # the side's own kind: the client reads only its own side
        self._done = done

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._inner)

    def __aiter__(self) -> AsyncIterator[bytes]:
        inner: httpx.AsyncByteStream = self._inner
        return inner.__aiter__()

    def _ended(self) -> None:
        done, self._done = self._done, None
        if done is not None:
            done()

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            self._ended()

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            self._ended()


class BoundedStream(_Framed):
    """A response body, decompressed in pieces and cut off past its limit."""

    def __init__(
        self,
        inner: httpx.SyncByteStream | httpx.AsyncByteStream,
        codings: list[str],
        limit: Limit,
        where: tuple[str, str, int],
        refusal: ServerError | None = None,
        done: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(inner, done)
        self._refusal, self._where, self._limit, self._count = refusal, where, limit, 0
        # Content-Encoding lists codings in the order they were applied: undo the last first.
        self._inflaters = [_Inflater(c) for c in reversed(codings)]

    def _counted(self, piece: bytes) -> bytes:
        self._count += len(piece)
        if self._count > self._limit.limit:
            raise too_large(*self._where, self._limit)
        return piece

    def __iter__(self) -> Iterator[bytes]:
        if self._refusal is not None:
            raise self._refusal
        for data in self._inner:
            for piece in _through(self._inflaters, data):
                yield self._counted(piece)
        for piece in _flushed(self._inflaters):
            yield self._counted(piece)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self._refusal is not None:
            raise self._refusal
        async for data in self._inner:
            for piece in _through(self._inflaters, data):
                yield self._counted(piece)
        for piece in _flushed(self._inflaters):
            yield self._counted(piece)


def _framing(response: httpx.Response) -> tuple[list[str], int | None, bool]:
    """Return the codings applied, the declared length and whether chunks frame the body.

    One pass over the raw headers: each lookup through ``httpx.Headers`` walks them all.
    """
    codings: list[str] = []
    lengths: list[bytes] = []
    chunked = False
    for key, value in response.headers.raw:
        name = key.lower()
        if name == b"content-encoding":
            for part in value.decode("latin-1").split(","):
                coding = part.strip().lower()
                if coding not in ("", "identity"):
                    codings.append(coding)
        elif name == b"content-length":
            lengths.append(value)
        elif name == b"transfer-encoding":
            chunked = True
    # Two Content-Length headers (or one that is not a number) promise nothing.
    length = int(lengths[0]) if len(lengths) == 1 and lengths[0].strip().isdigit() else None
    return codings, length, chunked


def too_large(method: str, path: str, status: int, limit: Limit) -> ResponseTooLargeError:
    hint = _JSON_HINT if limit.setting == "max_response_bytes" else ""
    return ResponseTooLargeError(
        f"{method} {path} answered with more than {limit.limit} bytes (decompressed), the "
        f"client's {limit.setting}. The rest was not read and nothing was kept. What to do: "
        f"if so large an answer is expected, create the client with a larger "
        f"{limit.setting}{hint}.",
        limit=limit.limit,
        method=method,
        path=path,
        status_code=status,
    )


def too_many(method: str, path: str, limit: int, what: str) -> ResponseTooLargeError:
    """Return the error of an answer (or a listing) holding more than ``limit`` ``what``."""
    return ResponseTooLargeError(
        f"{method} {path} answered with more than {limit} {what}, more than generio reads "
        "(its bounds keep what a hostile answer becomes in memory small). Nothing was kept. "
        "What to do: if this is a real listing, narrow it (filter flows by state); "
        "otherwise the service (or a proxy) is at fault: report it.",
        limit=limit,
        method=method,
        path=path,
        status_code=200,
    )


def bound(
    request: httpx.Request,
    response: httpx.Response,
    default: Limit,
    done: Callable[[], None] | None = None,
) -> httpx.Response:
    """Make ``response``'s body decompress in pieces and stop past the limit in force."""
    own = request.extensions.get(LIMIT_EXTENSION)
    limit = own if isinstance(own, Limit) else default
    method, path = request.method, request.url.path
    codings, length, chunked = _framing(response)
    unknown = [c for c in codings if c not in _KNOWN]
    refusal = None
    if unknown:
        refusal = ServerError(
            f"{method} {path} answered with Content-Encoding {', '.join(unknown)!r}, which "
            f"generio did not ask for (it accepts {ACCEPT_ENCODING}). What to do: this is on "
            "the service's (or a proxy's) side; report it.",
            method=method,
            path=path,
            status_code=response.status_code,
        )
        codings = []
    # A plain body framed by its Content-Length (h11 reads no more) within the limit needs
    # no counting; with Transfer-Encoding too, the chunks frame it and the length promises
    # nothing (RFC 9112 6.3), so it is counted.
    elif not codings and not chunked and length is not None and length <= limit.limit:
        if done is not None:
            response.stream = _Framed(response.stream, done)
        return response
    if codings or refusal is not None:
        del response.headers["content-encoding"]
        response.headers.pop("content-length", None)
    where = (method, path, response.status_code)
    response.stream = BoundedStream(response.stream, codings, limit, where, refusal, done)
    return response
