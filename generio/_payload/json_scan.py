"""The JSON half of :class:`~generio._payload.extract.DataFieldExtractor`."""

from __future__ import annotations

import json
import re

from generio._payload.data_uri import DecodeError

_STRUCTURAL = re.compile(rb'["{}\[\],:]')
_STRING_SPECIAL = re.compile(rb'["\\]')
_MAX_FIELDS = 16 * 1024 * 1024

# Where the scanner is. Everything but the "data" string is copied to ``_fields``.
_JSON, _STRING, _BEFORE_DATA, _DATA_HEAD, _DATA_BASE64, _DATA_TEXT = range(6)


class JsonFieldScanner:
    """Scans JSON outside the ``data`` value: structure, keys and the small fields."""

    data_kind: str
    _state: int
    _fields: bytearray
    _limit: int
    _depth: int
    _root_is_object: bool
    _root_done: bool
    _expect_key: bool
    _key_start: int
    _last_key: str | None
    _escaped: bool

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
