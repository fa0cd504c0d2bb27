"""Decoding an output's body as it streams: JSON with a data URI, or raw bytes."""

from __future__ import annotations

from collections.abc import Callable

from generio._errors import InputError
from generio._payload import extract as _extract
from generio._payload import mime as _mime

_JSON_SUFFIXES = ("/json", "+json")
OCTETS = "application/octet-stream"


class BodyDecoder:
    """Turns an output body's chunks into its decoded content."""

    def __init__(
        self,
        content_type: str,
        on_mime: Callable[[str], None],
        on_data: Callable[[bytes], None],
    ) -> None:
        self._on_mime = on_mime
        self._on_data = on_data
        self.mime_type: str | None = None
        self._extractor: _extract.DataFieldExtractor | None = None
        kind = _mime.normalize(content_type)
        self._raw_type: str | None = None
        # Without a telling Content-Type the body's first bytes say JSON or raw, and what type.
        self._undecided: bytes | None = b"" if kind in ("", OCTETS) else None
        if self._undecided is None and kind.endswith(_JSON_SUFFIXES):
            self._start_json()
        elif self._undecided is None:
            self._raw_type = kind

    def start(self) -> None:
        """Announce the MIME type of a raw body at once (before any chunk, even if none come)."""
        if self._raw_type is not None and self.mime_type is None:
            self._mime(self._raw_type)

    def _mime(self, mime: str) -> None:
        extractor = self._extractor
        if extractor is not None and extractor.data_kind == "text":
            text = extractor.text or ""
            if text[:5].lower() == "data:":
                # A malformed data URI, not text: the service's error, never a .txt file.
                raise InputError(f"its 'data' is a malformed data URI ({text[:40]!r}...)")
        self.mime_type = mime
        self._on_mime(mime)

    def _start_json(self) -> None:
        self._extractor = _extract.DataFieldExtractor(
            self._on_data, on_mime=self._mime, accept_misprint=True
        )

    def feed(self, chunk: bytes) -> None:
        """Take the next chunk of the body."""
        self.start()
        if self._undecided is not None:  # buffered until the body's start shows its kind
            chunk = self._undecided + chunk
            if not chunk.strip() and len(chunk) < _mime.SNIFF_BYTES:
                self._undecided = chunk
                return
            self._undecided = None
            if chunk.lstrip()[:1] in (b"{", b"["):
                self._start_json()
            else:
                self._raw_type = _mime.detect(chunk[: _mime.SNIFF_BYTES]) or OCTETS
                self._mime(self._raw_type)
        if self._extractor is not None:
            self._extractor.feed(chunk)
        elif chunk:
            self._on_data(chunk)

    def close(self) -> None:
        """Check the body was complete (a JSON body ended where it should)."""
        if self._extractor is not None:
            self._extractor.close()
