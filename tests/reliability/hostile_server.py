"""A hostile Flows API on 127.0.0.1, run as a child process: endless bodies and a gzip bomb.

Usage: python hostile_server.py [BOMB_MIB]   (prints its port on the first line of stdout)

Routes (GET only):
  /templates/endless        200 JSON whose body never ends
  /templates/lying          200 JSON, chunked and endless, with a small Content-Length too
  /templates/bomb           200 JSON, gzip: BOMB_MIB MiB of zeros in about a thousandth
  /flows/{f}/outputs        one ready output ``a1`` (any flow id)
  /flows/endless/outputs/a1 an output whose base64 never ends
  /flows/trickle/outputs/a1 an output that sends 16 bytes every 50 ms, forever
  /flows?filter_by=minimal  a 16 MiB page of minimal entries ({"id":"a","state":"s"}, 729,444)
  /flows?filter_by=values   a page just under 8 MiB of minimal entries (1.1 million values)
  /flows?filter_by=entries  a page of 10,001 minimal entries (230 KB)
  /flows?filter_by=listing  pages of 10,000 minimal entries, each linking the next, forever

Used by the hostile-server tests and by the ``hostile`` benchmark row (``nox -s bench``):
a separate process, so the client's memory is measured alone and a runaway server cannot
take the test process with it.
"""

from __future__ import annotations

import json
import sys
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_PIECE = 64 * 1024
_MINIMAL = b'{"id":"a","state":"s"}'


def gzip_bomb(mib: int) -> bytes:
    """Return a gzip body of ``mib`` MiB of zeros."""
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    zeros = bytes(1024 * 1024)
    return b"".join([*(packer.compress(zeros) for _ in range(mib)), packer.flush()])


class Hostile(BaseHTTPRequestHandler):
    """Answers every GET as the module's docstring lists."""

    bomb = b""
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet."""

    def _head(self, content_type: str, length: int | None = None, **extra: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.send_header("Connection", "close")
        for name, value in extra.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()

    def _forever(self, head: bytes, piece: bytes, pause: float = 0.0) -> None:
        try:
            self.wfile.write(head)
            while True:
                if pause:
                    time.sleep(pause)
                self.wfile.write(piece)
        except OSError:  # the client hung up: what it should do
            return

    def _page(self, count: int, next_link: str | None = None) -> None:
        """Send a page of ``count`` minimal entries in pieces (never held whole)."""
        tail = b"]}" if next_link is None else b'], "next": "' + next_link.encode() + b'"}'
        head = b'{"flows": ['
        length = len(head) + count * len(_MINIMAL) + max(count - 1, 0) + len(tail)
        self._head("application/json", length)
        try:
            self.wfile.write(head)
            piece = b",".join([_MINIMAL] * 1000)
            for start in range(0, count, 1000):
                n = min(1000, count - start)
                chunk = piece if n == 1000 else b",".join([_MINIMAL] * n)
                self.wfile.write((b"," if start else b"") + chunk)
            self.wfile.write(tail)
        except OSError:  # the client hung up: what it should do
            return

    def _flows(self, query: str) -> None:
        fields = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
        kind = fields.get("filter_by")
        if kind == "minimal":
            self._page(16 * 1024 * 1024 // (len(_MINIMAL) + 1))
        elif kind == "values":
            self._page(8 * 1024 * 1024 // (len(_MINIMAL) + 1) - 10)
        elif kind == "entries":
            self._page(10_001)
        elif kind == "listing":
            page = int(fields.get("page", "0")) + 1
            self._page(10_000, f"/flows?filter_by=listing&page={page}")
        else:
            self.send_error(404)

    def do_GET(self) -> None:
        """Answer by path."""
        path, _, query = self.path.partition("?")
        if path == "/flows":
            self._flows(query)
        elif path == "/templates/bomb":
            self._head("application/json", len(self.bomb), Content_Encoding="gzip")
            self.wfile.write(self.bomb)
        elif path == "/templates/lying":
            # Transfer-Encoding beats Content-Length (RFC 9112 6.3), so h11 reads the chunks
            # and never stops at the 20 bytes the length promises.
            self._head("application/json", 20, Transfer_Encoding="chunked")
            piece = b" " * _PIECE
            chunk = b"%x\r\n%s\r\n" % (len(piece), piece)
            self._forever(b'a\r\n{"name": "\r\n', chunk)
        elif path == "/templates/endless":
            self._head("application/json")
            self._forever(b'{"name": "', b" " * _PIECE)
        elif path.endswith("/outputs"):
            flow_id = path.split("/")[2]
            listing = {"flow_id": flow_id, "outputs": [{"asset_id": "a1", "status": "ready"}]}
            body = json.dumps(listing).encode()
            self._head("application/json", len(body))
            self.wfile.write(body)
        elif path == "/flows/endless/outputs/a1":
            self._head("application/json")
            head = b'{"asset_id": "a1", "data": "data:model/gltf-binary;base64,'
            self._forever(head, b"A" * _PIECE)
        elif path == "/flows/trickle/outputs/a1":
            self._head("model/gltf-binary")
            self._forever(b"glTF", b"x" * 16, pause=0.05)
        else:
            self.send_error(404)


class _Quiet(ThreadingHTTPServer):
    """Silent when the client under test hangs up (what the hostile cases make it do)."""

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


def main() -> None:
    """Serve until killed."""
    Hostile.bomb = gzip_bomb(int(sys.argv[1]) if len(sys.argv) > 1 else 64)
    server = _Quiet(("127.0.0.1", 0), Hostile)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
