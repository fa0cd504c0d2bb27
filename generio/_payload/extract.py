"""Streaming the ``data`` field out of an asset's JSON body, for bounded-memory downloads."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from generio._payload.data_uri import (
    _HEADER_RE,
    _MAX_HEADER,
    _URI_LIKE_RE,
    Base64StreamDecoder,
    DecodeError,
    _base64_error,
    _header_problem,
    _preview,
    parse_header,
    repair_misprint,
)
from generio._payload.mime import normalize

_STRUCTURAL = re.compile(rb'["{}\[\],:]')
_STRING_SPECIAL = re.compile(rb'["\\]')
_MAX_FIELDS = 16 * 1024 * 1024
# Where the scanner is. Everything but the "data" string is copied to ``_fields``.
_JSON, _STRING, _BEFORE_DATA, _DATA_HEAD, _DATA_BASE64, _DATA_TEXT = range(6)
_NON_WHITESPACE = re.compile(rb"[^ \t\n\r]")
_HEX4 = re.compile(rb"[0-9A-Fa-f]{4}")
_NOT_SLASH_ESCAPE = re.compile(rb"\\(?:[^/]|\Z)")  # an escape other than \/
_SIMPLE_ESCAPES = {ord(k): v for k, v in zip('"\\/bfnrt', '"\\/\b\f\n\r\t', strict=True)}


def _unescape(escape: bytes) -> str:
    r"""Decode one complete JSON escape (``\n``, ``\/``, ``\u00e9``, ...)."""
    if escape[1] == 0x75 and _HEX4.fullmatch(escape[2:6]):  # \uXXXX
        return chr(int(escape[2:6], 16))
    char = _SIMPLE_ESCAPES.get(escape[1])  # None for a malformed \u too
    if char is None:
        raise DecodeError(f"invalid JSON escape {_preview(escape)} in the 'data' value.")
    return char


class DataFieldExtractor:
    r"""Read an asset's JSON body in chunks, streaming its ``"data"`` out as decoded bytes."""

    def __init__(
        self,
        on_data: Callable[[bytes], None],
        *,
        on_mime: Callable[[str], None] | None = None,
        max_field_bytes: int = _MAX_FIELDS,
        accept_misprint: bool = False,
    ) -> None:
        self._on_data = on_data
        self._accept_misprint = accept_misprint
        self._on_mime = on_mime
        self._limit = max_field_bytes
        self.mime_type: str | None = None
        self.text: str | None = None
        self.data_kind = "missing"
        self.size = 0
        self._state = _JSON
        self._fields = bytearray()  # the body with the data string replaced by null
        self._depth = 0
        self._root_is_object = False
        self._root_done = False
        self._expect_key = False
        self._key_start = -1  # where the key being read starts in _fields, or -1
        self._last_key: str | None = None
        self._escaped = False  # a backslash ended the last chunk inside a string
        self._carry = b""  # an escape cut by a chunk boundary inside the data string
        self._text = bytearray()  # the raw data string while it is no data URI (yet)
        self._head_text: list[str] = []  # its start unescaped, until the header is known
        self._decoder = Base64StreamDecoder()
        self._error: DecodeError | None = None
        self._result: dict[str, Any] | None = None

    # -- feeding

    def feed(self, chunk: bytes | bytearray | memoryview) -> None:
        """Consume the next piece of the body (any size, split anywhere)."""
        if self._error is not None:
            raise DecodeError(self._error.message)
        if self._result is not None:
            raise RuntimeError("feed() after close()")
        buf = chunk if isinstance(chunk, bytes) else bytes(chunk)
        if self._carry:
            buf = self._carry + buf
            self._carry = b""
        scanners = self._SCANNERS
        try:
            pos, end = 0, len(buf)
            while pos < end:
                pos = scanners[self._state](self, buf, pos)
        except DecodeError as exc:
            self._error = exc
            raise

    def _keep(self, piece: bytes | memoryview) -> None:
        if len(self._fields) + len(piece) > self._limit:
            raise DecodeError(
                f"the asset body's fields other than 'data' exceed {self._limit} bytes; this "
                "is not an asset the API sends (raise max_field_bytes if it really is)."
            )
        self._fields += piece

    def _scan_json(self, buf: bytes, pos: int) -> int:
        """Outside strings: copy up to the next structural character and act on it."""
        match = _STRUCTURAL.search(buf, pos)
        if match is None:
            self._keep(buf[pos:])
            return len(buf)
        at = match.start()
        self._keep(buf[pos : at + 1])
        char = buf[at]
        top = self._depth == 1 and self._root_is_object and not self._root_done
        if char == 0x22:  # "
            self._state = _STRING
            if top and self._expect_key:
                self._key_start = len(self._fields) - 1
                self._expect_key = False
        elif char in b"{[":
            if self._depth == 0 and not self._root_done:
                self._root_is_object = char == 0x7B
                self._expect_key = True
            self._depth += 1
        elif char in b"}]":
            self._depth -= 1
            if self._depth <= 0:
                self._root_done = True
        elif char == 0x2C and top:  # ,
            self._expect_key = True
        elif char == 0x3A and top:  # :
            if self._last_key == "data":
                self._state = _BEFORE_DATA
            self._last_key = None
        return at + 1

    def _string_end(self, buf: bytes, pos: int) -> int:
        """Index of the quote that closes the string being read, or -1 if ``buf`` ends first."""
        if self._escaped:
            self._escaped = False
            pos += 1
        while True:
            match = _STRING_SPECIAL.search(buf, pos)
            if match is None:
                return -1
            at = match.start()
            if buf[at] == 0x22:
                return at
            if at + 1 == len(buf):
                self._escaped = True
                return -1
            pos = at + 2

    def _scan_string(self, buf: bytes, pos: int) -> int:
        """Inside a string other than data: copy it, find its end, note keys."""
        quote = self._string_end(buf, pos)
        if quote < 0:
            self._keep(buf[pos:])
            return len(buf)
        self._keep(buf[pos : quote + 1])
        self._state = _JSON
        if self._key_start >= 0:
            self._end_key()
        return quote + 1

    def _end_key(self) -> None:
        try:
            key = json.loads(self._fields[self._key_start :])
        except ValueError as exc:
            raise DecodeError(f"the asset body is not valid JSON (a key: {exc}).") from None
        self._key_start = -1
        if key == "data" and self.data_kind != "missing":
            raise DecodeError("the asset body has two 'data' fields.")
        self._last_key = key

    def _scan_before_data(self, buf: bytes, pos: int) -> int:
        match = _NON_WHITESPACE.search(buf, pos)
        if match is None:
            self._keep(buf[pos:])
            return len(buf)
        at = match.start()
        self._keep(buf[pos:at])
        if buf[at] != 0x22:  # null, or something invalid that close() will refuse
            self.data_kind = "other"
            self._state = _JSON
            return at
        self._keep(b"null")  # stands in for the string in the fields close() parses
        self.data_kind = "pending"
        self._state = _DATA_HEAD
        return at + 1

    def _scan_head(self, buf: bytes, pos: int) -> int:
        """Read the data string character by character until its kind is known."""
        end = len(buf)
        while pos < end:
            byte = buf[pos]
            if byte == 0x22:
                self._decide_head(closed=True)
                if self._state == _DATA_BASE64:  # a header, then nothing
                    self._emit_decoded(self._decoder.finish())
                    self._state = _JSON
                return pos + 1
            width = 1
            if byte == 0x5C:
                width = 6 if pos + 1 < end and buf[pos + 1] == 0x75 else 2
                if pos + width > end:
                    self._carry = buf[pos:]
                    return end
                char = _unescape(buf[pos : pos + width])
            else:
                char = chr(byte)  # a non-ASCII byte is not in any header; as latin-1 is fine
            self._text += buf[pos : pos + width]
            self._head_text.append(char)
            pos += width
            if self._decide_head(closed=False):
                return pos
        return end

    def _decide_head(self, *, closed: bool) -> bool:
        """Settle the data string's kind if its start tells; True when settled."""
        head = "".join(self._head_text)
        if not closed and len(head) < 5 and "data:".startswith(head.lower()):
            return False
        if head[:5].lower() != "data:":
            return self._become_text(closed)
        comma = head.find(",")
        if comma >= 0:
            match = _HEADER_RE.fullmatch(head[: comma + 1])
            if match is not None:
                self._become_data(normalize(match.group(1)))
                return True
            if not _URI_LIKE_RE.match(head[: comma + 1]):
                return self._become_text(closed)
            if self._accept_misprint and len(head) == comma + len(",base64;"):
                repaired = repair_misprint(head)
                if repaired != head:  # the docs' 'data:<type>,base64;' form, read anyway
                    self._become_data(parse_header(repaired))
                    return True
            if closed or len(head) > comma + len("base64;"):
                raise DecodeError(f"the asset's 'data' is {_header_problem(head)}")
            return False
        if closed and _URI_LIKE_RE.match(head):
            raise DecodeError(f"the asset's 'data' is {_header_problem(head)}")
        if closed or len(self._text) >= _MAX_HEADER:
            return self._become_text(closed)
        return False

    def _become_data(self, mime: str) -> None:
        self.mime_type = mime
        self.data_kind = "data_uri"
        self._state = _DATA_BASE64
        self._text = bytearray()
        if self._on_mime is not None:
            self._on_mime(mime)

    def _become_text(self, closed: bool) -> bool:
        self._state = _DATA_TEXT
        if closed:
            self._end_text()
        return True

    def _scan_text(self, buf: bytes, pos: int) -> int:
        """Inside a plain-text data value: keep it (bounded) until its end."""
        quote = self._string_end(buf, pos)
        piece = buf[pos:] if quote < 0 else buf[pos:quote]
        if len(self._text) + len(piece) > self._limit:
            raise DecodeError(
                f"the asset's text 'data' exceeds {self._limit} bytes; raise max_field_bytes "
                "if it really is that long."
            )
        self._text += piece
        if quote < 0:
            return len(buf)
        self._end_text()
        return quote + 1

    def _end_text(self) -> None:
        try:
            text = json.loads(b'"' + bytes(self._text) + b'"')
        except ValueError as exc:
            raise DecodeError(f"the asset's 'data' is not a valid JSON string ({exc}).") from None
        self._text = bytearray()
        self._state = _JSON
        self.text = text
        self.mime_type = "text/plain"
        self.data_kind = "text"
        if self._on_mime is not None:
            self._on_mime(self.mime_type)
        self._emit_decoded(text.encode("utf-8"))

    def _emit_decoded(self, data: bytes) -> None:
        if data:
            self.size += len(data)
            self._on_data(data)

    def _emit(self, base64_text: bytes | memoryview) -> None:
        if len(base64_text):
            self._emit_decoded(self._decoder.feed(base64_text))

    def _scan_base64(self, buf: bytes, pos: int) -> int:
        """Inside the base64: hand spans to the decoder, unescaping only where needed."""
        end = len(buf)
        quote = buf.find(b'"', pos)
        stop = end if quote < 0 else quote
        if quote < 0:  # an escape cut by the chunk's end waits for the next chunk
            cut = buf.rfind(b"\\", max(pos, end - 5), end)
            if cut >= 0 and cut + (6 if buf[cut + 1 : cut + 2] == b"u" else 2) > end:
                self._carry = buf[cut:]
                stop = cut
        if buf.find(b"\\", pos, stop) < 0:
            self._emit(memoryview(buf)[pos:stop])
        elif _NOT_SLASH_ESCAPE.search(buf, pos, stop) is None:
            # Servers that escape "/" as "\/" (JSON allows it) do it all through the base64;
            # when no other escape is there, dropping every backslash undoes them in one pass.
            self._emit(buf[pos:stop].translate(None, b"\\"))
        else:
            self._emit_escaped(buf, pos, stop)
        if quote < 0:
            return end
        self._emit_decoded(self._decoder.finish())
        self._state = _JSON
        return quote + 1

    def _emit_escaped(self, buf: bytes, pos: int, stop: int) -> None:
        r"""Unescape slowly: the rare escapes other than ``\/`` (all invalid but ``\uXXXX``)."""
        view = memoryview(buf)
        while pos < stop:
            slash = buf.find(b"\\", pos, stop)
            if slash < 0:
                self._emit(view[pos:stop])
                return
            self._emit(view[pos:slash])
            width = 6 if buf[slash + 1 : slash + 2] == b"u" else 2
            if slash + width > stop:  # an escaped quote, or a backslash cut off by one
                raise _base64_error("it contains a quote or backslash")
            char = _unescape(buf[slash : slash + width])
            if not char.isascii():
                raise _base64_error(f"it contains {char!r}")
            self._emit(char.encode("ascii"))
            pos = slash + width

    # The scanner of each state, in the order of the states' numbers.
    _SCANNERS = (_scan_json, _scan_string, _scan_before_data, _scan_head, _scan_base64, _scan_text)

    # -- closing

    def close(self) -> dict[str, Any]:
        """Check that the body was complete and return its top-level fields but ``data``."""
        if self._error is not None:
            raise DecodeError(self._error.message)
        if self._result is None:
            try:
                self._result = self._close()
            except DecodeError as exc:
                self._error = exc
                raise
        return dict(self._result)

    def _close(self) -> dict[str, Any]:
        if self._state != _JSON or self._escaped or self._carry:
            where = "inside the 'data' value" if self._state >= _BEFORE_DATA else "inside a string"
            raise DecodeError(
                f"the asset body ended {where}: the download was cut short; try it again."
            )
        try:
            fields = json.loads(self._fields)
        except (ValueError, RecursionError) as exc:
            raise DecodeError(
                f"the asset body is incomplete or not valid JSON ({exc}); if the download "
                "was cut short, try it again."
            ) from None
        if not isinstance(fields, dict):
            raise DecodeError(
                f"the asset body is JSON but not an object (a {type(fields).__name__})."
            )
        value = fields.pop("data", None)
        if self.data_kind == "other":
            if value is not None:
                raise DecodeError(
                    f"the asset's 'data' is a {type(value).__name__}; expected a data URI "
                    "string or null."
                )
            self.data_kind = "null"
        return fields
