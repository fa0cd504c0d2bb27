"""The ASGI layer in front of the app: authentication, then fault injection.

It sits where a real deployment has its gateway and proxies, which is where rate limits,
5xx pages and dropped connections come from. Dropping a connection needs the socket under
the ASGI abstraction: the server hands this layer a function that finds the transport of a
request's client address.
"""

from __future__ import annotations

import asyncio
import json
import math
import secrets
import socket
import struct
from collections.abc import Callable
from email.utils import formatdate
from typing import Any

from starlette.types import Message, Receive, Scope, Send

from generio.testing._clock import now
from generio.testing._core import Core
from generio.testing._fast import FastPath
from generio.testing._faults import Fault, FaultKind
from generio.testing._routing import ADMIN_PREFIX, operation_for

__all__ = ["EmulatorMiddleware", "TransportFinder"]

TransportFinder = Callable[[Any], asyncio.Transport | None]

_BAD_GATEWAY = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)
_JSON = b"application/json"


async def _respond(
    send: Send,
    status: int,
    body: bytes,
    content_type: bytes = _JSON,
    headers: tuple[tuple[bytes, bytes], ...] = (),
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _detail(text: str) -> bytes:
    return json.dumps({"detail": text}).encode()


def _retry_after(fault: Fault) -> bytes:
    if fault.http_date:
        # HTTP dates have whole seconds: round up so the client never retries early.
        return formatdate(math.ceil(now()) + fault.retry_after, usegmt=True).encode()
    return str(fault.retry_after).encode()


class EmulatorMiddleware:
    """Checks the API key on API and admin paths, then injects the fault drawn, if any.

    Args:
        app: The app: the fast path, in front of FastAPI.
        core: The emulator's key and fault plan.
    """

    def __init__(self, app: FastPath, core: Core) -> None:
        self.app = app
        self.core = core
        self.find_transport: TransportFinder = lambda _client: None
        self.closing = False  # set on shutdown: held-back responses are dropped at once
        self._closed: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._key = core.api_key.encode()

    def close(self) -> None:
        """Release held-back responses by dropping them; callable from any thread."""
        self.closing = True
        loop, closed = self._loop, self._closed
        if loop is not None and closed is not None and not loop.is_closed():
            loop.call_soon_threadsafe(closed.set)

    def _closed_event(self) -> asyncio.Event:
        if self._closed is None:
            self._loop = asyncio.get_running_loop()
            self._closed = asyncio.Event()
        if self.closing:
            self._closed.set()
        return self._closed

    def _auth_error(self, scope: Scope) -> str | None:
        for name, value in scope["headers"]:
            if name == b"authorization":
                scheme, _, token = value.partition(b" ")
                if scheme.lower() != b"bearer" or not token.strip():
                    return "Invalid authentication credentials"
                if not secrets.compare_digest(token.strip(), self._key):
                    return "Invalid API key"
                return None
        return "Not authenticated"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        operation = operation_for(method, path)
        if operation is None and not path.startswith(ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        problem = self._auth_error(scope)
        if problem is not None:
            headers = ((b"www-authenticate", b"Bearer"),)
            await _respond(send, 401, _detail(problem), headers=headers)
            return
        if operation is not None:
            self.core.requests[operation] += 1
        plan = self.core.plan
        fault = None if operation is None else plan.draw(operation, flow=False)
        if operation is None:
            await self.app(scope, receive, send)
            return
        if fault is None:
            await self.app.serve(operation, scope, receive, send)
            return
        plan.record(fault, operation, method, path)
        await self._inject(fault, operation, scope, receive, send)

    async def _inject(
        self, fault: Fault, operation: str, scope: Scope, receive: Receive, send: Send
    ) -> None:
        kind = fault.kind
        if kind is FaultKind.RATE_LIMIT:
            text = f"Rate limit exceeded; retry after {fault.retry_after} seconds"
            headers = ((b"retry-after", _retry_after(fault)),)
            await _respond(send, 429, _detail(text), headers=headers)
        elif kind is FaultKind.SERVER_ERROR:
            await _respond(send, 500, _detail("Internal Server Error"))
        elif kind is FaultKind.BAD_GATEWAY:
            await _respond(send, 502, _BAD_GATEWAY, b"text/html")
        elif kind is FaultKind.UNAVAILABLE:
            headers = ((b"retry-after", _retry_after(fault)),)
            await _respond(send, 503, _detail("Service temporarily unavailable"), headers=headers)
        elif kind is FaultKind.CONNECTION_RESET:
            # Read the whole request first: a client still writing would see the reset as a
            # failed write and report it less clearly than a reset while awaiting the answer.
            while (await receive()).get("more_body", False):
                pass
            await self._drop(scope, receive, reset=True)
        else:
            messages = await self._execute(operation, scope, receive)
            if kind is FaultKind.LOST_RESPONSE:
                await self._drop(scope, receive, reset=False)
            elif kind is FaultKind.SLOW:
                await self._hold_back(fault.delay, scope, receive, send, messages)
            else:  # TRUNCATED_JSON
                await self._send_truncated(send, messages)

    async def _execute(self, operation: str, scope: Scope, receive: Receive) -> list[Message]:
        """Run the request through the app, keeping the response instead of sending it."""
        messages: list[Message] = []

        async def keep(message: Message) -> None:
            messages.append(message)

        await self.app.serve(operation, scope, receive, keep)
        return messages

    async def _drop(self, scope: Scope, receive: Receive, *, reset: bool) -> None:
        """Close the request's connection without a response: RST when ``reset``, else FIN."""
        transport = self.find_transport(scope.get("client"))
        if transport is None:  # the client has gone already: nothing left to drop
            return
        sock = transport.get_extra_info("socket")
        if reset and sock is not None:
            # Linger on with a zero timeout turns close() into a TCP reset.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
        # Let the server see the disconnect, so it does not answer with a 500 of its own.
        while (await receive())["type"] != "http.disconnect":
            pass

    async def _hold_back(
        self, delay: float, scope: Scope, receive: Receive, send: Send, messages: list[Message]
    ) -> None:
        try:
            await asyncio.wait_for(self._closed_event().wait(), timeout=delay)
        except TimeoutError:
            for message in messages:
                await send(message)
            return
        await self._drop(scope, receive, reset=False)

    async def _send_truncated(self, send: Send, messages: list[Message]) -> None:
        start = next(m for m in messages if m["type"] == "http.response.start")
        body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
        cut = body[: max(1, len(body) // 2)]
        headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(cut)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": cut})
