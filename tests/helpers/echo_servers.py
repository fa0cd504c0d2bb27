"""Servers that repeat what they were sent: where a secret would leak into generio's texts.

``EchoServer`` answers as a careless service would, quoting the request's headers back:
a flow whose ``created_at`` is the ``Authorization`` header (the tolerant reader warns about
it), a 400 whose body lists every header, a 502 HTML page quoting them escaped. ``EchoProxy``
is a forward proxy that refuses every request with a 502 page quoting the request as it
arrived, ``Proxy-Authorization`` included, as some proxies' error pages do.
"""

from __future__ import annotations

import html
import json
import threading
from http.server import BaseHTTPRequestHandler
from types import TracebackType
from urllib.parse import quote

from tests.helpers.quiet_server import QuietServer

__all__ = ["EchoProxy", "EchoServer"]


class _Running:
    """A QuietServer on 127.0.0.1 in a thread, as a context manager."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self._server = QuietServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """Where it listens."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> _Running:
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


class _Quiet(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet."""

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _head(self) -> str:
        return f"{self.requestline}\r\n{self.headers}"


class _EchoHandler(_Quiet):
    def do_GET(self) -> None:
        """Answer by path, quoting the request back."""
        auth = self.headers.get("Authorization", "")
        path = self.path.split("?")[0]
        if path.startswith("/flows/") and path.endswith("/warn"):
            flow = {"flow_id": "f1", "state": "completed", "progress": 1, "created_at": auth}
            self._send(200, json.dumps(flow).encode(), "application/json")
        elif path.endswith("/html"):
            page = f"<html><body><pre>{html.escape(self._head())}</pre>{quote(auth)}</body></html>"
            self._send(502, page.encode(), "text/html")
        else:
            body = {"detail": f"bad request: {self._head()}", "echo": dict(self.headers)}
            self._send(400, json.dumps(body).encode(), "application/json")

    do_PATCH = do_POST = do_DELETE = do_GET  # noqa: N815


class _ProxyEchoHandler(_Quiet):
    def do_GET(self) -> None:
        """Refuse, quoting the request as it arrived."""
        page = f"<html><h1>502 Bad Gateway</h1><pre>{self._head()}</pre></html>"
        self._send(502, page.encode(), "text/html")

    do_PATCH = do_POST = do_DELETE = do_GET  # noqa: N815


class EchoServer(_Running):
    """A service that quotes the request's headers back (see the module's docstring)."""

    def __init__(self) -> None:
        super().__init__(_EchoHandler)


class EchoProxy(_Running):
    """A forward proxy whose every answer is a 502 page quoting the request."""

    def __init__(self) -> None:
        super().__init__(_ProxyEchoHandler)
