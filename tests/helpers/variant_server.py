"""A variant server: a real emulator behind a proxy that answers in another dialect.

Every request is forwarded to the emulator (so flows run, bill and fail for real), and every
answer is rewritten by one dialect of :mod:`variant_dialects` on its way back. Plain
``http.server`` on 127.0.0.1 in a thread: the client under test talks real HTTP.

Extras the dialects cannot do alone:

* pagination (``paginated_absolute``/``paginated_relative``): ``GET /flows`` answers pages
  of :data:`PAGE_SIZE` with a ``next`` link, absolute or relative;
* :meth:`VariantServer.lose_next`: the next request of an operation is carried out, then
  answered 500, as when the answer is lost on the way;
* every answer carries an ``x-request-id``;
* ``prefix``: the API as a new spec would serve it under a base path (``/v1/flows``): the
  prefix is stripped before forwarding, and every request is recorded as it came
  (:attr:`VariantServer.targets`, path and query);
* ``extra``: rewrites beyond the dialect's (a field a new spec adds to answers).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

from generio.testing import Emulator
from generio.testing._routing import operation_for
from tests.helpers.quiet_server import QuietServer
from tests.helpers.variant_dialects import DIALECTS, Reply, Rewrite, encode

PAGE_SIZE = 2


class VariantServer:
    """Serve ``emulator`` in ``dialect`` on 127.0.0.1 while open (a context manager).

    ``dialect`` "" answers as the emulator does (with ``extra`` rewrites, if any).
    """

    def __init__(
        self,
        emulator: Emulator,
        dialect: str,
        *,
        prefix: str = "",
        extra: tuple[Rewrite, ...] = (),
    ) -> None:
        self.emulator = emulator
        self.dialect = dialect
        self.rewrites = (*(DIALECTS[dialect] if dialect else ()), *extra)
        self.prefix = prefix
        self.requests: list[tuple[str, str]] = []
        #: Every request as it came: method and target (path and query), prefix included.
        self.targets: list[tuple[str, str]] = []
        self._lose: set[str] = set()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._upstream = httpx.Client(base_url=emulator.base_url, timeout=30.0)
        self._server = QuietServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        # serve_forever looks for shutdown() every poll_interval: 0.5 s by default, paid on
        # every exit; 10 ms keeps closing cheap.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def base_url(self) -> str:
        """Where the client under test connects."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> VariantServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._upstream.close()

    def lose_next(self, operation: str) -> None:
        """Carry out the next ``operation`` request, then answer it 500 (answer lost)."""
        with self._lock:
            self._lose.add(operation)

    def count(self, method: str, path: str) -> int:
        """How many ``method path`` requests (any query) the server received."""
        return sum(1 for m, p in self.requests if (m, p) == (method, path))

    # -- handling

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Reply:
        """Forward one request and return the rewritten answer."""
        with self._lock:
            self.targets.append((method, target))
        url = urlsplit(target)
        if self.prefix and url.path.startswith(self.prefix + "/"):
            url = url._replace(path=url.path.removeprefix(self.prefix))
        op = operation_for(method, url.path)
        query = dict(parse_qsl(url.query))
        with self._lock:
            self.requests.append((method, url.path))
        page = int(query.pop("page", "1"))
        upstream = self._upstream.request(
            method,
            url.path,
            params=query,
            content=body,
            headers={k: v for k, v in headers.items() if k in ("authorization", "content-type")},
        )
        reply = Reply(op, method, upstream.status_code, None)
        kind = upstream.headers.get("content-type", "")
        if "json" in kind and upstream.content:
            reply.body = upstream.json()
        else:
            reply.raw, reply.content_type = upstream.content, kind or "application/octet-stream"
        if op == "list_flows" and self.dialect.startswith("paginated") and reply.status == 200:
            self._paginate(reply, url.path, query, page)
        for rewrite in self.rewrites:
            rewrite(reply)
        with self._lock:
            lost = op in self._lose
            self._lose.discard(op or "")
        if lost:
            reply.status, reply.body, reply.raw = 500, {"detail": "answer lost"}, None
            reply.content_type = "application/json"
        reply.headers["x-request-id"] = f"req-{next(self._ids)}"
        return reply

    def _paginate(self, reply: Reply, path: str, query: dict[str, str], page: int) -> None:
        flows = reply.body["flows"]
        start = (page - 1) * PAGE_SIZE
        reply.body = {"flows": flows[start : start + PAGE_SIZE]}
        if start + PAGE_SIZE < len(flows):
            link = f"{path}?{urlencode({**query, 'page': page + 1})}"
            absolute = self.dialect == "paginated_absolute"
            reply.body["next"] = f"{self.base_url}{link}" if absolute else link


def _handler_for(variant: VariantServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            reply = variant.handle(self.command, self.path, headers, body)
            content = encode(reply)
            self.send_response(reply.status)
            if content or reply.status != 204:
                self.send_header("content-type", reply.content_type)
            if reply.status != 204:
                self.send_header("content-length", str(len(content)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(content)

        do_GET = do_POST = do_PATCH = do_DELETE = _serve  # noqa: N815

        def log_message(self, format: str, *args: Any) -> None:
            """Stay quiet: the test output is for failures."""

    return Handler


def serve(emulator: Emulator, dialect: str) -> Iterator[VariantServer]:
    """Yield a running variant server (for fixtures)."""
    with VariantServer(emulator, dialect) as server:
        yield server
