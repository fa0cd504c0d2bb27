"""Data URIs, the way the Flows API carries files inside JSON (``generio.data_uri``).

Headers are read strictly (leniently only for what the service sends); base64 is strict
everywhere (standard alphabet, padding only at the end); uploads and downloads stream, so
memory follows the chunk size, never the file's.
"""

from __future__ import annotations

import binascii
import os
import re
from collections.abc import Iterator
from typing import BinaryIO

from generio._degrade import degraded
from generio._errors import InputError
from generio._payload.local import Prepared, read_binary, read_local
from generio._payload.mime import normalize

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
    """Whether ``text`` starts like a data URI (``data:<type>/<subtype>`` then ``;`` or ``,``)."""
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


_RAW_CHUNK = 3 * 1024 * 1024  # a multiple of 3: no padding inside a stream
# Pieces for building a whole str in place: small enough that their temporary buffers are
# reused by the allocator, large enough that the per-piece overhead vanishes (measured on
# 64 MB: 48 KiB pieces take a third less time than 768 KiB ones). A multiple of 3.
_RAW_PIECE = 48 * 1024


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

    Raises:
        InputError: ``mime_type`` is not a MIME type.
        ValueError: ``size`` is negative.
    """
    if size < 0:
        raise ValueError(f"size must be >= 0, got {size}")
    return len(_prefix(mime_type)) + 4 * ((size + 2) // 3)


def _raw_chunks(stream: BinaryIO, chunk_size: int) -> Iterator[bytes | memoryview]:
    """Yield the stream in chunks of exactly ``chunk_size`` bytes, the last one shorter."""
    readinto = getattr(stream, "readinto", None)
    if readinto is None:  # read() only, which may return more or less than asked
        pending = bytearray()
        while data := read_binary(stream, "the stream", chunk_size):
            pending += data
            while len(pending) >= chunk_size:
                yield bytes(pending[:chunk_size])
                del pending[:chunk_size]
        if pending:
            yield bytes(pending)
        return
    view = memoryview(bytearray(chunk_size))  # one buffer, reused
    while True:
        filled = 0
        while filled < chunk_size:
            if (got := readinto(view[filled:])) is None:
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


def _iter_encode(stream: BinaryIO, prefix: bytes, chunk_size: int) -> Iterator[bytes]:
    yield prefix
    b2a = binascii.b2a_base64
    for chunk in _raw_chunks(stream, chunk_size):
        yield b2a(chunk, newline=False)


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
    return _encode(read_local(source, mime_type))


def _encode(item: Prepared) -> str:
    return "".join([piece.decode("ascii") for piece in encode_checked(item, _RAW_PIECE)])


def encode_checked(item: Prepared, chunk_size: int = _RAW_CHUNK) -> Iterator[bytes]:
    """Yield the data URI of what ``local.py`` read; refuse content that changed size since."""
    expected = encoded_length(item.size, item.mime_type)
    done = 0
    for stream in item.open_raw():
        for piece in _iter_encode(stream, _prefix(item.mime_type), chunk_size):
            done += len(piece)
            if done > expected:
                break
            yield piece
    if done != expected:
        raise InputError(
            f"{item.label} changed size while it was read; try again once it is complete."
        )


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
        return mime, binascii.a2b_base64(uri[start:], strict_mode=True)
    except ValueError as exc:  # binascii.Error, non-ASCII text
        raise _base64_error(exc) from None


_BASE64_CHARS = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")


def _base64_error(why: object) -> DecodeError:
    return DecodeError(
        f"invalid base64 data ({why}): the data must be standard base64 (A-Z a-z 0-9 + /) "
        "with '=' padding only at its end and no whitespace or line breaks."
    )


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
            raise _base64_error("data after '=' padding")
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
            raise _base64_error("Only base64 data is allowed")

    def feed(self, chunk: bytes | bytearray | memoryview | str) -> bytes:
        """Decode what ``chunk`` completes and return those bytes (maybe ``b""``)."""
        if self._done:
            raise RuntimeError("feed() after finish()")
        if isinstance(chunk, str):
            try:
                chunk = chunk.encode("ascii")
            except UnicodeEncodeError:
                raise _base64_error("non-ASCII") from None
        view = memoryview(chunk)
        if not view.nbytes:
            return b""
        if view.ndim != 1 or view.itemsize != 1:
            view = view.cast("B")
        head = b""
        start = 0
        if self._tail:  # complete the group the last chunk left open
            start = min(4 - len(self._tail), view.nbytes)
            group = self._tail + view[:start].tobytes()
            if len(group) == 4:  # decoded before it is kept: a bad group leaves the tail as it was
                head, group = self._decode(group), b""
            self._tail = group
        end = start + (view.nbytes - start) // 4 * 4
        body = self._decode(view[start:end]) if end > start else b""
        if end < view.nbytes:
            if self._padded:
                self._decode(b"====")  # raises: data after padding
            self._tail = view[end:].tobytes()
        self._check_tail()
        return head + body if head else body

    def finish(self) -> bytes:
        """Check that the input ended on a group boundary; returns ``b""``."""
        self._done = True
        if self._tail:
            raise DecodeError(
                f"the base64 data ends in the middle of a 4-character group "
                f"({len(self._tail)} character(s) left over): it was cut short or lacks its "
                "'=' padding."
            )
        return b""
