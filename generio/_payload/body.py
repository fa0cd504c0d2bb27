"""JSON request bodies that stream their inputs, with an exact Content-Length."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

from generio._errors import InputError
from generio._payload import data_uri as _data_uri
from generio._payload.local import Prepared

_CHUNK = 3 * 256 * 1024  # raw bytes per encoded chunk; a multiple of 3 keeps base64 seamless
_TEXT_SLICE = 1024 * 1024
# Characters a JSON string must escape; a long data URI has none and is sent as it is.
_NEEDS_ESCAPE = re.compile(r'[\x00-\x1f"\\]')
_SMALL_TEXT = 64 * 1024


def dumps(value: Any, what: str) -> bytes:
    """``value`` as compact JSON bytes."""
    try:
        return json.dumps(value, separators=(",", ":"), allow_nan=False).encode()
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"{what} must be JSON (dicts, lists, str, numbers, bools, None): {exc}"
        ) from None


def _plain_text(text: str) -> bool:
    """Whether ``text`` can stand in a JSON string as it is (long data URIs can)."""
    return len(text) > _SMALL_TEXT and text.isascii() and not _NEEDS_ESCAPE.search(text)


def _wire_length(item: Prepared) -> int:
    if item.text is None:
        return _data_uri.encoded_length(item.size, item.mime_type) + 2
    return len(item.text) + 2 if _plain_text(item.text) else len(dumps(item.text, "input"))


def _wire(item: Prepared) -> Iterator[bytes]:
    """Yield the input's value as a JSON string literal, in chunks."""
    if item.text is None:
        yield b'"'
        yield from _data_uri.encode_checked(item, _CHUNK)
        yield b'"'
    elif _plain_text(item.text):
        yield b'"'
        for start in range(0, len(item.text), _TEXT_SLICE):
            yield item.text[start : start + _TEXT_SLICE].encode("ascii")
        yield b'"'
    else:
        yield dumps(item.text, "input")


class JsonBody:
    """A re-iterable JSON body made of byte parts and streamed inputs."""

    def __init__(self, parts: Sequence[bytes | Prepared]) -> None:
        self._parts = tuple(parts)
        #: Whether a request began sending it: its headers reached the service.
        self.sent: bool = False
        self.length: int = sum(
            len(part) if isinstance(part, bytes) else _wire_length(part) for part in self._parts
        )

    @property
    def headers(self) -> dict[str, str]:
        """The headers that describe this body."""
        return {"Content-Type": "application/json", "Content-Length": str(self.length)}

    def __iter__(self) -> Iterator[bytes]:
        self.sent = True
        for part in self._parts:
            if isinstance(part, bytes):
                yield part
            else:
                yield from _wire(part)

    def for_async(self) -> AsyncJsonBody:
        """Return the same body for ``httpx.AsyncClient``, which wants an async iterable."""
        return AsyncJsonBody(self)


class AsyncJsonBody:
    """A :class:`JsonBody` as a re-iterable async iterable."""

    def __init__(self, body: JsonBody) -> None:
        self._body = body

    async def __aiter__(self) -> AsyncIterator[bytes]:
        # File reads are short (chunks of < 1 MB) and local: not worth a worker thread.
        for chunk in self._body:
            yield chunk


#: The placeholder of an input's value in a body laid out by the generated models: a JSON
#: string no caller can send by accident (a fresh random part per body).
_PLACEHOLDER = re.compile(rb'"generio-stream-[0-9a-f]{16}-(\d+)"')


class Placeholders:
    """Stand-ins for inputs in a body the generated models lay out, streamed when sent."""

    def __init__(self) -> None:
        self._nonce = secrets.token_hex(8)
        self._items: list[Prepared] = []

    def add(self, item: Prepared) -> str:
        """Return the placeholder that stands for ``item``'s data (a data URI or prompt)."""
        if item.additional is not None:
            dumps(item.additional, "an input's additional")
        self._items.append(item)
        return f"generio-stream-{self._nonce}-{len(self._items) - 1}"

    def body(self, value: Any) -> JsonBody:
        """Return ``value`` (the ``to_dict()`` of a body) as a body streaming the inputs."""
        text = dumps(value, "the request body")
        pieces = _PLACEHOLDER.split(text)  # the indexes of the inputs at odd positions
        if sorted(map(int, pieces[1::2])) != list(range(len(self._items))):
            # A placeholder lost or repeated by the layout: never send a body without its inputs.
            raise InputError("the request body does not hold each input once; report this.")
        return JsonBody([self._items[int(p)] if i % 2 else p for i, p in enumerate(pieces) if p])
