"""A variant of the service for tests: a proxy in front of the emulator that changes answers.

``ListWithoutAdditional`` forwards every request to an emulator and leaves ``additional`` out
of the entries of ``GET /flows`` (the docs call them "flow summaries"), as a real service
may. It records each request's method and path.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import httpx

from generio.testing import Emulator

_HOP = {"connection", "transfer-encoding", "content-length", "keep-alive", "content-encoding"}


class ListWithoutAdditional:
    """A threaded HTTP proxy on 127.0.0.1 that strips ``additional`` from flow listings.

    Attributes:
        requests: ``"METHOD /path"`` of every request received, in order.
    """

    def __init__(self, emu: Emulator) -> None:
        self.requests: list[str] = []
        self._upstream = httpx.Client(base_url=emu.base_url, timeout=30)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else None
                proxy.requests.append(f"{self.command} {self.path.split('?')[0]}")
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
                answer = proxy._upstream.request(
                    self.command, self.path, content=body, headers=headers
                )
                content = answer.content
                if self.command == "GET" and self.path.split("?")[0] == "/flows":
                    data: Any = answer.json()
                    for entry in data.get("flows", []):
                        entry.pop("additional", None)
                    content = json.dumps(data).encode()
                self.send_response(answer.status_code)
                for name, value in answer.headers.items():
                    if name.lower() not in _HOP:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = do_PATCH = do_DELETE = _forward  # noqa: N815 - http.server names

            def log_message(self, format: str, *args: Any) -> None:
                """Stay quiet."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        """The proxy's URL."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> ListWithoutAdditional:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._upstream.close()
