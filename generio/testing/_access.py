"""One line per request, for ``generio emulator``'s log on stderr.

An ASGI wrapper around the emulator's app: it notes the method and path when a request
arrives and writes ``METHOD /path STATUS  12 ms`` once the response has been sent (or
``-`` when a fault dropped the connection before any answer). Only the path is logged,
never the query string or a header, so the key cannot appear.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

__all__ = ["AccessLog"]

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Any]
Send = Callable[[Message], Any]


class AccessLog:
    """Calls ``write`` with one line for each HTTP request ``app`` answers (or drops).

    Args:
        app: the ASGI app to wrap.
        write: receives each line, without a newline.
    """

    def __init__(self, app: Any, write: Callable[[str], object]) -> None:
        self.app = app
        self.write = write

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request through ``app``, then log it."""
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status: list[int] = []

        async def noting(message: Message) -> None:
            if message.get("type") == "http.response.start":
                status.append(int(message.get("status", 0)))
            await send(message)

        try:
            await self.app(scope, receive, noting)
        finally:
            took = (time.perf_counter() - started) * 1000
            code = str(status[0]) if status else "-"
            self.write(f"{scope.get('method', '?')} {scope.get('path', '?')} {code} {took:.0f} ms")
