"""Answers no honest server sends, for MockTransport: endless bodies, bombs, hostile JSON.

Shared by the bad-input table and the hostile-answer tests. Each builder returns an
``httpx.Response`` factory or a handler; streams work for the sync and the async client.
"""

from __future__ import annotations

import base64
import gzip
import html
import json
import time
import zlib
from collections.abc import AsyncIterator, Callable, Iterator
from urllib.parse import quote

import anyio
import httpx

from tests.helpers.facade import FLOW_JSON

Handler = Callable[[httpx.Request], httpx.Response]
#: A limit small enough that a case reaches it in a moment.
SMALL_LIMIT = 1024 * 1024
_PIECE = 64 * 1024


class EndlessStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body that never ends: ``piece`` again and again, after ``pause`` seconds each.

    Attributes:
        sent: how many bytes were handed out (the client stopped reading there).
    """

    def __init__(self, piece: bytes = b" " * _PIECE, pause: float = 0.0, head: bytes = b"") -> None:
        self._piece = piece
        self._pause = pause
        self._head = head
        self.sent = 0

    def __iter__(self) -> Iterator[bytes]:
        if self._head:
            yield self._head
        while True:
            if self._pause:
                time.sleep(self._pause)
            self.sent += len(self._piece)
            yield self._piece

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self._head:
            yield self._head
        while True:
            if self._pause:
                await anyio.sleep(self._pause)
            self.sent += len(self._piece)
            yield self._piece


class Chunks(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A finite body sent in pieces, as a network sends it.

    ``httpx.Response(content=...)`` reads (and decompresses) its body when built; a real
    answer is read later, by the client, where generio's limits apply.
    """

    def __init__(self, body: bytes) -> None:
        self._body = body

    def __iter__(self) -> Iterator[bytes]:
        for start in range(0, len(self._body), _PIECE):
            yield self._body[start : start + _PIECE]

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for start in range(0, len(self._body), _PIECE):
            yield self._body[start : start + _PIECE]


def gzip_bomb(decoded_bytes: int) -> bytes:
    """Return a gzip body of ``decoded_bytes`` zeros (about a thousandth of that on the wire)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    zeros = bytes(1024 * 1024)
    parts = [packer.compress(zeros) for _ in range(decoded_bytes // len(zeros))]
    return b"".join([*parts, packer.flush()])


def endless_json(_: httpx.Request) -> httpx.Response:
    """Answer with JSON whose body never ends."""
    return httpx.Response(
        200, headers={"content-type": "application/json"}, stream=EndlessStream(head=b'{"a": "')
    )


def bomb_json(decoded_bytes: int) -> Handler:
    """Answer with gzip-encoded JSON that inflates to ``decoded_bytes``."""
    body = gzip_bomb(decoded_bytes)

    def handler(_: httpx.Request) -> httpx.Response:
        headers = {"content-type": "application/json", "content-encoding": "gzip"}
        return httpx.Response(200, headers=headers, stream=Chunks(body))

    return handler


def encoded(status: int, body: bytes, coding: str) -> Handler:
    """Answer with ``body`` sent under the given Content-Encoding."""

    def handler(_: httpx.Request) -> httpx.Response:
        headers = {"content-type": "application/json", "content-encoding": coding}
        return httpx.Response(status, headers=headers, stream=Chunks(body))

    return handler


def raw(status: int, body: bytes) -> Handler:
    """Answer every request with these bytes as JSON."""

    def handler(_: httpx.Request) -> httpx.Response:
        return httpx.Response(status, headers={"content-type": "application/json"}, content=body)

    return handler


def deep_nesting(depth: int = 100_000) -> bytes:
    """JSON nested ``depth`` arrays deep: Python's parser gives up with RecursionError."""
    return b"[" * depth + b"]" * depth


#: A flow whose progress is an integer too large for a float (OverflowError when read).
HUGE_PROGRESS = json.dumps({**FLOW_JSON, "progress": 10**400}).encode()
#: A number with more digits than Python converts (ValueError when parsed).
TOO_MANY_DIGITS = b'{"flow_id": "f1", "progress": ' + b"9" * 5000 + b"}"
INVALID_UTF8 = b'{"flow_id": "\xff\xfe\xfd", "state": "running"}'


def outputs_then(output: Callable[[], httpx.Response], data: object = None) -> Handler:
    """List one ready output ``a1`` (with ``data`` when given); ``output()`` answers its GET."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/flows/f1/outputs":
            asset: dict[str, object] = {"asset_id": "a1", "status": "ready"}
            if data is not None:
                asset["data"] = data
            return httpx.Response(200, json={"flow_id": "f1", "outputs": [asset]})
        return output()

    return handler


def endless_download() -> httpx.Response:
    """Answer an output whose base64 never ends."""
    head = b'{"asset_id": "a1", "data": "data:model/gltf-binary;base64,'
    stream = EndlessStream(piece=b"A" * _PIECE, head=head)
    return httpx.Response(200, headers={"content-type": "application/json"}, stream=stream)


def bomb_download() -> httpx.Response:
    """Answer an output as a raw body that inflates far past the limit."""
    headers = {"content-type": "model/gltf-binary", "content-encoding": "gzip"}
    body = gzip.compress(bytes(8 * SMALL_LIMIT))
    return httpx.Response(200, headers=headers, stream=Chunks(body))


def trickle_download() -> httpx.Response:
    """Answer an output whose bytes come slowly, forever."""
    stream = EndlessStream(piece=b"x" * 16, pause=0.05)
    return httpx.Response(200, headers={"content-type": "model/gltf-binary"}, stream=stream)


def output_json(data: str) -> Callable[[], httpx.Response]:
    """Answer an output carrying ``data``."""
    body = {"asset_id": "a1", "status": "ready", "data": data}
    return lambda: httpx.Response(200, json=body)


GOOD_GLB_URI = "data:model/gltf-binary;base64," + base64.b64encode(b"glTF" + bytes(16)).decode()


def echo_key(escape: Callable[[str], str]) -> Handler:
    """Answer 401 with a page echoing the Authorization header, escaped with ``escape``."""

    def handler(request: httpx.Request) -> httpx.Response:
        page = f"<html>401: credentials {escape(request.headers['authorization'])} rejected"
        return httpx.Response(401, text=page, headers={"content-type": "text/html"})

    return handler


ESCAPES: dict[str, Callable[[str], str]] = {
    "url-quoted": lambda text: quote(text, safe=""),
    "url-quoted-lower": lambda text: quote(text, safe="").lower(),
    "html-escaped": html.escape,
    "json-escaped": lambda text: json.dumps(text)[1:-1].replace("/", "\\/"),
}


def post_503_then_created(posts: list[httpx.Request], retry_after: str) -> Handler:
    """POST /flows answers 503 with Retry-After once, then creates; listings find nothing."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            posts.append(request)
            if len(posts) == 1:
                return httpx.Response(
                    503, json={"detail": "busy"}, headers={"retry-after": retry_after}
                )
            return httpx.Response(200, json={**FLOW_JSON, "state": "starting"})
        if request.url.path == "/flows":
            return httpx.Response(200, json={"flows": []})
        if request.url.path == "/templates":
            return httpx.Response(200, json={"templates": [_PROMPT_TEMPLATE]})
        if request.url.path.startswith("/templates/"):
            return httpx.Response(200, json=_PROMPT_TEMPLATE)
        return httpx.Response(200, json=FLOW_JSON)

    return handler


_PROMPT_TEMPLATE = {
    "template_id": "t1",
    "name": "model_generate_fromprompt",
    "description": "x",
    "category": "x",
    "parameters": {},
    "input_types": ["text/plain"],
    "output_types": ["model/gltf-binary"],
}
