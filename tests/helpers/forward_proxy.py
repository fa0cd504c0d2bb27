"""A tiny forward HTTP proxy on 127.0.0.1 that counts what it forwards (a test double).

It takes absolute-form requests (``GET http://127.0.0.1:PORT/flows HTTP/1.1``), as a client
sends to an ``HTTP_PROXY``, replays them to the target with :mod:`http.client`, and answers
with the target's response. Every forwarded request is recorded as ``(method, url)``. A
target that cannot be reached gets a 502, as real proxies answer.
"""

from __future__ import annotations

import http.client
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler
from types import TracebackType

from tests.helpers.quiet_server import QuietServer

__all__ = ["ForwardProxy"]

_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        """Count the connection."""
        super().setup()
        with self.server.lock:
            self.server.connections += 1

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet."""

    def _body(self) -> bytes:
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("content-length") or 0))

    def _forward(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        if not url.scheme or not url.hostname:
            self.send_error(400, "not an absolute-form request")
            return
        body = self._body()
        with self.server.lock:
            self.server.seen.append((self.command, self.path))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        target = f"{url.path}?{url.query}" if url.query else url.path
        conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=30)
        try:
            conn.request(self.command, target or "/", body=body or None, headers=headers)
            answer = conn.getresponse()
            payload = answer.read()
        except OSError:
            self.send_error(502, "target unreachable")
            return
        finally:
            conn.close()
        self.send_response(answer.status, answer.reason)
        for key, value in answer.getheaders():
            if key.lower() not in _HOP_BY_HOP and key.lower() != "content-length":
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = _forward  # noqa: N815


class _Server(QuietServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.seen: list[tuple[str, str]] = []
        self.connections = 0


class ForwardProxy:
    """Run the proxy in a thread; ``url`` is what goes in ``HTTP_PROXY``."""

    def __init__(self) -> None:
        self._server = _Server()
        # serve_forever looks for shutdown() every poll_interval: 0.5 s by default, paid on
        # every exit; 10 ms keeps closing cheap.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def url(self) -> str:
        """The proxy's URL."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def seen(self) -> list[tuple[str, str]]:
        """The requests forwarded so far: ``(method, absolute URL)``."""
        with self._server.lock:
            return list(self._server.seen)

    @property
    def connections(self) -> int:
        """How many TCP connections clients opened to the proxy."""
        with self._server.lock:
            return self._server.connections

    def __enter__(self) -> ForwardProxy:
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
