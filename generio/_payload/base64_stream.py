"""Strict base64 decoding of text that arrives in pieces (downloads of big assets).

Part of ``data_uri``, which re-exports :class:`Base64StreamDecoder`.
"""

from __future__ import annotations

import binascii

from generio._payload.uri_header import DecodeError

__all__ = ["Base64StreamDecoder"]

_BASE64_RULES = (
    "the data must be standard base64 (A-Z a-z 0-9 + /) with '=' padding only at its end "
    "and no whitespace or line breaks"
)


_BASE64_CHARS = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")


def _base64_error(exc: ValueError) -> DecodeError:
    return DecodeError(f"invalid base64 data ({exc}): {_BASE64_RULES}.")


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
