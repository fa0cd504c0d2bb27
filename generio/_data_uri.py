"""Data URIs, the way the Flows API carries files inside JSON.

A file travels as ``data:<MIME type>;base64,<base64 data>`` in a JSON string; a text prompt
travels as a plain string without that prefix. Assets can be hundreds of megabytes, so
besides the whole-value helpers (:func:`encode`, :func:`decode`) this module streams:

* uploads: :func:`iter_encode` yields a data URI piece by piece and :func:`encoded_length`
  gives its exact length up front (for ``Content-Length``);
* downloads: :class:`Base64StreamDecoder` decodes base64 that arrives in pieces (the
  scanner of asset bodies in ``generio._extract`` feeds it).

Streaming needs memory in proportion to the chunk size, never to the file size. Base64 is
strict everywhere: standard alphabet, ``=`` padding only at the end, no whitespace.

Malformed input raises :class:`DecodeError`, an :class:`~generio.InputError` (and so a
``ValueError``); callers that decode what the service sent may re-raise it as theirs.
"""

from __future__ import annotations

import binascii
import os
import re
import stat
from collections.abc import Iterable, Iterator
from typing import BinaryIO, Protocol

from generio._degrade import degraded
from generio._errors import InputError
from generio._mime import SNIFF_BYTES, detect, normalize

__all__ = [
    "Base64StreamDecoder",
    "DecodeError",
    "decode",
    "encode",
    "encoded_length",
    "iter_encode",
    "parse_header",
    "repair_misprint",
]

_FORM = "data:<MIME type>;base64,<base64 data>"
_RAW_CHUNK = 3 * 1024 * 1024  # a multiple of 3: no padding inside a stream
# Pieces for building a whole str or bytes in place: small enough that their temporary
# buffers are reused by the allocator (warm in cache, no page faults), large enough that the
# per-piece Python overhead vanishes. Measured on 64 MB: 48 KiB pieces take a third less
# time than 768 KiB ones.
_RAW_PIECE = 48 * 1024  # raw bytes per piece when encoding; a multiple of 3
_MAX_HEADER = 256  # a header longer than this is not one the service sends
_TCHARS = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"  # RFC 2045 token
_MIME_RE = re.compile(rf"{_TCHARS}/{_TCHARS}")
_HEADER_RE = re.compile(
    rf"data:({_TCHARS}/{_TCHARS})(?:;{_TCHARS}={_TCHARS})*;base64,", re.IGNORECASE
)
_URI_LIKE_RE = re.compile(rf"data:{_TCHARS}/{_TCHARS}(?:;[^,]*)?(?:,|\Z)", re.IGNORECASE)


class DecodeError(InputError):
    """Data that should be a base64 data URI (or an asset's JSON body holding one) is not.

    Raised for a malformed header, invalid or truncated base64, and a JSON body that is
    malformed or was cut short.
    """


def _preview(text: str | bytes, limit: int = 48) -> str:
    short = text[:limit]
    return repr(short) + ("..." if len(text) > limit else "")


def _header_problem(uri: str) -> str:
    """Say what is wrong with the start of ``uri`` and what the right form is."""
    what = f"not a valid data URI (it starts {_preview(uri)})"
    lower = uri[:_MAX_HEADER].lower()
    if not lower.startswith("data:"):
        why = "it must start with 'data:'"
    elif lower.startswith(("data:;", "data:,")):
        why = "it has no MIME type after 'data:'"
    elif re.match(rf"data:{_TCHARS}/{_TCHARS},base64;", lower):
        why = (
            "it uses the form 'data:<type>,base64;...' that one page of the vendor's docs shows "
            "by mistake; ';base64' goes before the comma"
        )
    elif "," not in lower:
        why = "there is no ',' between the header and the data"
    elif ";base64," not in lower.split(",", 1)[0] + ",":
        why = "it lacks ';base64' before the ',' (generio reads base64 data URIs only)"
    else:
        why = "its MIME type or parameters are malformed"
    return f"{what}: {why}. The form is {_FORM}, e.g. 'data:image/png;base64,iVBORw0KGgo...'."


_MISPRINT_RE = re.compile(rf"data:({_TCHARS}/{_TCHARS}(?:;{_TCHARS}={_TCHARS})*),base64;", re.I)


def repair_misprint(uri: str) -> str:
    """Return ``uri`` in the right form when it uses the docs' misprint ``data:<type>,base64;``.

    For reading what the service sends only: generio never sends the misprinted form
    (:func:`parse_header` refuses it). Anything else comes back unchanged.
    """
    match = _MISPRINT_RE.match(uri, 0, _MAX_HEADER)
    if match is None:
        return uri
    degraded("misprinted_data_uri", "A data URI came as 'data:<type>,base64;...'; read anyway.")
    return f"data:{match.group(1)};base64,{uri[match.end() :]}"


def looks_like_data_uri(text: str) -> bool:
    """Whether ``text`` starts like a data URI (``data:<type>/<subtype>`` then ``;`` or ``,``).

    Such a text is meant as a file, so a malformed one is an error to report, not a prompt;
    ``"data: a red chair"`` does not look like one.
    """
    return _URI_LIKE_RE.match(text[:_MAX_HEADER]) is not None


def parse_header(uri_prefix: str) -> str:
    """Return the normalized MIME type from the ``data:<mime>;base64,`` start of a data URI.

    Args:
        uri_prefix: the data URI, or at least its start up to and including the first ``,``.
            ``data:`` and ``;base64`` are matched case-insensitively; parameters such as
            ``;charset=utf-8`` before ``;base64`` are allowed and dropped.

    Raises:
        DecodeError: the start is not a base64 data URI header; the message says why.
    """
    comma = uri_prefix.find(",", 0, _MAX_HEADER)
    match = _HEADER_RE.fullmatch(uri_prefix[: comma + 1]) if comma >= 0 else None
    if match is None:
        raise DecodeError(_header_problem(uri_prefix))
    return normalize(match.group(1))


def _prefix(mime_type: str) -> bytes:
    mime = normalize(mime_type)
    if not _MIME_RE.fullmatch(mime):
        raise InputError(
            f"{mime_type!r} is not a MIME type; pass one such as 'image/png' or "
            "'model/gltf-binary'."
        )
    return f"data:{mime};base64,".encode("ascii")


def encoded_length(size: int, mime_type: str) -> int:
    """Return the exact length of the data URI of ``size`` raw bytes of type ``mime_type``.

    It equals the total length of what :func:`iter_encode` yields, so a streamed body can
    announce its ``Content-Length``.

    Raises:
        InputError: ``mime_type`` is not a MIME type.
        ValueError: ``size`` is negative.
    """
    if size < 0:
        raise ValueError(f"size must be >= 0, got {size}")
    return len(_prefix(mime_type)) + 4 * ((size + 2) // 3)


# -- Joining pieces ------------------------------------------------------------------------


class _SizeMismatch(Exception):
    """The pieces did not add up to the announced size."""


def _join_ascii(pieces: Iterable[bytes], total: int) -> str:
    """Join ASCII pieces whose lengths add up to ``total`` into one str.

    A str result costs one bytes-to-str copy that ``base64.b64encode`` (which returns bytes)
    does not pay; streamed uploads use :func:`iter_encode` and never build this str.

    Raises:
        _SizeMismatch: they do not add up to ``total``.
    """
    joined = "".join([piece.decode("ascii") for piece in pieces])
    if len(joined) != total:
        raise _SizeMismatch
    return joined


# -- Encoding ------------------------------------------------------------------------------


class _Reader(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def _read_bytes(stream: _Reader, size: int) -> bytes:
    """``stream.read(size)``, refusing a text-mode stream with a message that says what to do."""
    data = stream.read(size)
    if isinstance(data, str):
        raise InputError("the stream gives text, not bytes; open the file in binary mode 'rb'")
    return data


def _raw_chunks(stream: _Reader, chunk_size: int) -> Iterator[memoryview | bytes]:
    """Yield the stream in chunks of exactly ``chunk_size`` bytes, the last one shorter.

    Short reads (pipes, sockets, raw files) are topped up, so every chunk but the last has
    the full size. A yielded memoryview is only valid until the next chunk is asked for.
    """
    readinto = getattr(stream, "readinto", None)
    if readinto is None:
        yield from _read_chunks(stream, chunk_size)
        return
    buffer = bytearray(chunk_size)
    view = memoryview(buffer)
    while True:
        filled = 0
        while filled < chunk_size:
            got = readinto(view[filled:])
            if got is None:
                raise InputError(
                    "the stream is non-blocking and had no data ready; pass a blocking "
                    "binary file object"
                )
            if not got:
                break
            filled += got
        if filled:
            yield view[:filled]
        if filled < chunk_size:
            return


def _read_chunks(stream: _Reader, chunk_size: int) -> Iterator[bytes]:
    pending = bytearray()
    while True:
        data = _read_bytes(stream, chunk_size - len(pending))
        if not data:
            break
        pending += data
        if len(pending) == chunk_size:
            yield bytes(pending)
            pending.clear()
    if pending:
        yield bytes(pending)


def iter_encode(
    stream: BinaryIO, mime_type: str, *, chunk_size: int = _RAW_CHUNK
) -> Iterator[bytes]:
    """Yield the data URI of ``stream``'s content as ASCII bytes, in pieces.

    The first piece is the ``data:<mime>;base64,`` header, then each piece is the base64 of
    ``chunk_size`` raw bytes (the last may be shorter), so pieces simply concatenate and
    memory stays near ``chunk_size`` whatever the stream's length. The MIME type is
    checked at once, not on the first ``next()``.

    Args:
        stream: a binary, blocking file object, read from its current position to its end.
        mime_type: the content's type; normalized (``image/jpg`` becomes ``image/jpeg``).
        chunk_size: raw bytes per piece; a positive multiple of 3.

    Raises:
        InputError: ``mime_type`` is not a MIME type, or the stream gives text.
        ValueError: ``chunk_size`` is not a positive multiple of 3.
    """
    if chunk_size <= 0 or chunk_size % 3:
        raise ValueError(f"chunk_size must be a positive multiple of 3, got {chunk_size}")
    return _iter_encode(stream, _prefix(mime_type), chunk_size)


def _iter_encode(stream: _Reader, prefix: bytes, chunk_size: int) -> Iterator[bytes]:
    yield prefix
    b2a = binascii.b2a_base64
    for chunk in _raw_chunks(stream, chunk_size):
        yield b2a(chunk, newline=False)


class _Prepended:
    """A binary stream that serves ``head`` first, then the rest of ``stream``."""

    def __init__(self, head: bytes, stream: _Reader) -> None:
        self._head = memoryview(head)
        self._stream = stream

    def read(self, size: int = -1, /) -> bytes:
        if self._head:
            head = bytes(self._head if size < 0 else self._head[:size])
            self._head = self._head[len(head) :]
            return head
        return self._stream.read(size)

    def readinto(self, buffer: memoryview) -> int | None:
        if self._head:
            size = min(len(buffer), len(self._head))
            buffer[:size] = self._head[:size]
            self._head = self._head[size:]
            return size
        readinto = getattr(self._stream, "readinto", None)
        if readinto is not None:
            got: int | None = readinto(buffer)
            return got
        data = _read_bytes(self._stream, len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _read_head(stream: _Reader) -> bytes:
    head = b""
    while len(head) < SNIFF_BYTES:
        data = _read_bytes(stream, SNIFF_BYTES - len(head))
        if not data:
            break
        head += data
    return head


def _require_mime(head: bytes, name: str | None, explicit: str | None, what: str) -> str:
    mime = detect(head, name, explicit)
    if mime is None:
        raise InputError(
            f"cannot tell the MIME type of {what}: its content is no format generio "
            "recognises and its name has no known extension. Pass mime_type=..., "
            "e.g. mime_type='image/png'."
        )
    return mime


def encode(
    source: bytes | bytearray | memoryview | os.PathLike[str] | BinaryIO,
    mime_type: str | None = None,
) -> str:
    """Return the data URI ``data:<mime>;base64,<data>`` of a file or bytes.

    The whole URI is built in memory (about 4/3 of the content); for large uploads use
    :func:`iter_encode`, which streams.

    Args:
        source: the content: bytes-like, a path (``pathlib.Path``), or a binary file object
            read from its current position. A ``str`` is refused: strings are text prompts.
        mime_type: the content's type; detected from the content, then the file name, if
            not given.

    Raises:
        InputError: ``source`` is a ``str``, a missing file, a directory, unreadable or
            empty; the MIME type cannot be detected; or ``mime_type`` is not a MIME type.
    """
    if isinstance(source, str):
        raise InputError(
            f"encode() got a str ({_preview(source, 40)}). Strings are text prompts and are "
            "sent as they are; to send a file, pass pathlib.Path(...) instead."
        )
    if isinstance(source, bytes | bytearray | memoryview):
        return _encode_memory(source, mime_type)
    if isinstance(source, os.PathLike):
        return _encode_path(source, mime_type)
    if callable(getattr(source, "read", None)):
        return _encode_stream(source, mime_type)
    raise InputError(
        f"cannot encode a {type(source).__name__}; pass bytes, a pathlib.Path or a binary "
        "file object."
    )


def _encode_memory(source: bytes | bytearray | memoryview, mime_type: str | None) -> str:
    try:
        view = memoryview(source).cast("B")
    except TypeError as exc:
        raise InputError(f"cannot encode this buffer ({exc}); pass contiguous bytes.") from exc
    with view:
        if not view.nbytes:
            raise InputError("the data to encode is empty; an asset needs content.")
        mime = _require_mime(bytes(view[:SNIFF_BYTES]), None, mime_type, "the data")
        total = encoded_length(view.nbytes, mime)

        def pieces() -> Iterator[bytes]:
            yield _prefix(mime)
            for start in range(0, view.nbytes, _RAW_PIECE):
                yield binascii.b2a_base64(view[start : start + _RAW_PIECE], newline=False)

        return _join_ascii(pieces(), total)


def _encode_path(source: os.PathLike[str], mime_type: str | None) -> str:
    path = os.fspath(source)
    try:
        stream = open(path, "rb")  # noqa: SIM115  (closed by the with below)
    except FileNotFoundError:
        raise InputError(
            f"file not found: {path!r} (relative paths start at {os.getcwd()!r}); check the path."
        ) from None
    except OSError as exc:
        if os.path.isdir(path):  # IsADirectoryError, or PermissionError on Windows
            raise InputError(f"{path!r} is a directory; pass the path of a file in it.") from None
        raise InputError(f"cannot read {path!r}: {exc.strerror or exc}.") from None
    with stream:
        info = os.fstat(stream.fileno())
        size = info.st_size if stat.S_ISREG(info.st_mode) else None
        return _encode_stream(stream, mime_type, what=repr(path), name=path, size=size)


def _encode_stream(
    stream: _Reader,
    mime_type: str | None,
    *,
    what: str | None = None,
    name: str | None = None,
    size: int | None = None,
) -> str:
    """Encode from the stream's position; ``size`` is its total size when known (a file)."""
    if name is None:
        stream_name = getattr(stream, "name", None)
        name = stream_name if isinstance(stream_name, str) else None
    what = what or (repr(name) if name else "the stream")
    head = _read_head(stream)
    if not head:
        raise InputError(
            f"{what} is empty; an asset needs content. Check that it was fully written."
        )
    mime = _require_mime(head, name, mime_type, what)
    pieces = _iter_encode(_Prepended(head, stream), _prefix(mime), _RAW_CHUNK)
    if size is None:  # unknown size: gather the pieces, then count them
        parts = list(pieces)
        return _join_ascii(parts, sum(map(len, parts)))
    try:
        return _join_ascii(pieces, encoded_length(size, mime))
    except _SizeMismatch:
        raise InputError(
            f"{what} changed size while it was read; encode it again once it is complete."
        ) from None


# -- Decoding ------------------------------------------------------------------------------

_BASE64_RULES = (
    "the data must be standard base64 (A-Z a-z 0-9 + /) with '=' padding only at its end "
    "and no whitespace or line breaks"
)


_BASE64_CHARS = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")


def _base64_error(exc: ValueError) -> DecodeError:
    return DecodeError(f"invalid base64 data ({exc}): {_BASE64_RULES}.")


def decode(uri: str) -> tuple[str, bytes]:
    """Return ``(mime_type, data)`` from a data URI ``data:<mime>;base64,<data>``.

    Args:
        uri: the whole data URI. The base64 is read strictly (see :class:`DecodeError`).

    Raises:
        DecodeError: ``uri`` is not a str, its header is malformed (no ``data:`` prefix, no
            ``;base64,``, the ``data:<type>,base64;`` form from one docs page), or its base64
            is invalid or badly padded. The message says what the right form is.
    """
    if not isinstance(uri, str):
        raise DecodeError(f"a data URI is a str, got {type(uri).__name__}.")
    mime = parse_header(uri)
    start = uri.index(",") + 1
    try:
        return mime, _decode_base64_str(uri, start)
    except ValueError as exc:  # binascii.Error, non-ASCII text
        raise _base64_error(exc) from None
    except _SizeMismatch:
        raise DecodeError(
            f"invalid base64 data ('=' padding before the end): {_BASE64_RULES}."
        ) from None


def _decode_base64_str(text: str, start: int) -> bytes:
    """Decode ``text[start:]`` strictly (``a2b_base64`` reads ASCII str directly)."""
    return binascii.a2b_base64(text[start:], strict_mode=True)


class Base64StreamDecoder:
    """Strict base64 decoding of text that arrives in pieces of any size.

    Each :meth:`feed` decodes every complete 4-character group and keeps the 0-3 leftover
    characters for the next one, so memory follows the piece size. Call :meth:`finish` at
    the end: it is what detects truncated input.

    Raises:
        DecodeError: from :meth:`feed` or :meth:`finish`, on invalid characters, misplaced
            padding or data after padding, or input that ends mid-group.
    """

    __slots__ = ("_done", "_padded", "_tail")

    def __init__(self) -> None:
        self._tail = b""
        self._padded = False  # a group with '=' was decoded: nothing may follow
        self._done = False

    def _decode(self, span: bytes | memoryview) -> bytes:
        if self._padded:
            raise DecodeError(f"invalid base64 data (data after '=' padding): {_BASE64_RULES}.")
        try:
            out = binascii.a2b_base64(span, strict_mode=True)
        except ValueError as exc:
            raise _base64_error(exc) from None
        if span[-1] == 0x3D:  # "="
            self._padded = True
        return out

    def _check_tail(self) -> None:
        # Left-over characters are checked now, so that a bad one is reported as invalid
        # rather than, at finish(), as a truncation.
        if not _BASE64_CHARS.issuperset(self._tail):
            raise _base64_error(ValueError("Only base64 data is allowed"))

    def feed(self, chunk: bytes | bytearray | memoryview | str) -> bytes:
        """Decode what ``chunk`` completes and return those bytes (maybe ``b""``)."""
        if self._done:
            raise RuntimeError("feed() after finish()")
        if isinstance(chunk, str):
            try:
                chunk = chunk.encode("ascii")
            except UnicodeEncodeError:
                raise DecodeError(f"invalid base64 data (non-ASCII): {_BASE64_RULES}.") from None
        view = memoryview(chunk)
        if not view.nbytes:
            return b""
        if view.ndim != 1 or view.itemsize != 1:
            view = view.cast("B")
        head = b""
        start = 0
        if self._tail:
            need = 4 - len(self._tail)
            if view.nbytes < need:
                self._tail += view.tobytes()
                self._check_tail()
                return b""
            head = self._decode(self._tail + view[:need].tobytes())
            self._tail = b""
            start = need
        end = start + (view.nbytes - start) // 4 * 4
        body = self._decode(view[start:end]) if end > start else b""
        if end < view.nbytes:
            if self._padded:
                self._decode(b"====")  # raises: data after padding
            self._tail = view[end:].tobytes()
            self._check_tail()
        return head + body if head else body

    def finish(self) -> bytes:
        """Check that the input ended on a group boundary; returns ``b""``.

        Raises:
            DecodeError: 1-3 characters were left over (truncated, or padding missing).
        """
        self._done = True
        if self._tail:
            raise DecodeError(
                f"the base64 data ends in the middle of a 4-character group "
                f"({len(self._tail)} character(s) left over): it was cut short or lacks its "
                "'=' padding."
            )
        return b""
