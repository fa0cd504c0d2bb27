"""A fake Flows service holding a large account: not the emulator, so lookups are not tuned to it.

Plain ``http.server`` on 127.0.0.1 in a thread, flows kept in memory (20,000 are made in a
fraction of a second). What it can be made to do, each a way a real service may differ:

* list oldest first or newest first, in pages of ``page_size`` with ``next`` links that
  are relative or absolute (``?page=N``), or by cursor (``?after=<id>``);
* leave ``additional`` (and ``template``) out of list entries;
* run its clock ``skew`` seconds behind ours (every ``created_at`` it writes);
* carry out a create and lose its answer (``lose_creates``);
* count every request (``requests``), so tests assert what a call cost.

Flows created with inputs run ``flow_seconds`` (of its clock), then complete with one
output, a small GLB; the ledger lists only flows created through the API.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.helpers.quiet_server import QuietServer

TEMPLATES = ("model_generate_fromprompt", "model_generate_fromimage", "model_optimize")
GLB = b"glTF\x02\x00\x00\x00\x14\x00\x00\x00" + b"\x00" * 8
OUTPUT_URI = "data:model/gltf-binary;base64," + base64.b64encode(GLB).decode()
MARKER = "_generio_idempotency"


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class FakeFlow:
    """One flow of the account."""

    flow_id: str
    template: str
    additional: Any
    created: float  # the service's clock
    seconds: float = 0.0
    aborted: float | None = None
    inputs: int = 1
    cached: dict[tuple[bool, bool], str] = field(default_factory=dict, repr=False)

    def state(self, now: float) -> str:
        """Return its state at ``now`` (the service's clock)."""
        if self.inputs == 0:
            return "created"
        if self.aborted is not None:
            return "aborted"
        return "completed" if now >= self.created + self.seconds else "running"

    def text(self, now: float, additional: bool, template: bool) -> str:
        """Return the flow as list JSON; kept once it is terminal (it no longer changes)."""
        shape = (additional, template)
        if shape in self.cached:
            return self.cached[shape]
        text = json.dumps(self.to_json(now, additional, template))
        if self.state(now) in ("completed", "aborted"):
            self.cached[shape] = text
        return text

    def to_json(self, now: float, additional: bool = True, template: bool = True) -> dict[str, Any]:
        """Return the Flow object, without ``additional`` or ``template`` if asked."""
        state = self.state(now)
        done = state in ("completed", "aborted")
        body: dict[str, Any] = {
            "flow_id": self.flow_id,
            "state": state,
            "progress": 1.0 if state == "completed" else 0.5,
            "parameters": {},
            "created_at": _iso(self.created),
            "started_at": _iso(self.created) if self.inputs else None,
            "finished_at": _iso(self.created + self.seconds) if done else None,
        }
        if template:
            body["template"] = self.template
        if additional:
            body["additional"] = self.additional
        return body


@dataclass
class BigAccount:
    """The service's state and its quirks; serve it with :func:`serve`."""

    order: str = "ascending"
    page_size: int = 100
    links: str = "relative"  # "relative", "absolute" or "cursor"
    additional: bool = True
    template: bool = True
    skew: float = 0.0
    flow_seconds: float = 0.0
    flows: list[FakeFlow] = field(default_factory=list)
    ledger: list[FakeFlow] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    lose_creates: int = 0
    base_url: str = ""

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._by_id: dict[str, FakeFlow] = {f.flow_id: f for f in self.flows}
        self._index: dict[str, int] = {}
        self._index_key: tuple[int, int] = (0, -1)

    def now(self) -> float:
        """Return the service's clock: ours, ``skew`` seconds behind."""
        return time.time() - self.skew

    def new_id(self) -> str:
        """Return a fresh 24-hex flow id."""
        return f"{next(self._ids):024x}"

    def prefill(
        self,
        count: int,
        span: float = 30 * 86400,
        keyed: int = 0,
        end: float | None = None,
        templates: Sequence[str] = TEMPLATES,
    ) -> dict[str, str]:
        """Add ``count`` completed flows over ``span`` s up to ``end`` (5 s ago by default).

        ``keyed`` of them, spread evenly, carry keys ``old-<n>`` of requests nobody repeats;
        the flows take ``templates`` in turn (an account may use many more than we call).
        """
        end = self.now() - 5.0 if end is None else end
        step = span / max(1, count - 1)
        every = max(1, count // keyed) if keyed else 0
        keys: dict[str, str] = {}
        made = []
        for index in range(count):
            additional: dict[str, Any] = {"n": index}
            flow_id = self.new_id()
            if every and index % every == 0 and len(keys) < keyed:
                key = f"old-{index}"
                digest = hashlib.sha256(key.encode()).hexdigest()
                additional[MARKER] = {"key": key, "fingerprint": f"sha256:{digest}"}
                keys[key] = flow_id
            made.append(
                FakeFlow(
                    flow_id,
                    templates[index % len(templates)],
                    additional,
                    end - span + index * step,
                )
            )
        with self._lock:
            self.flows = sorted([*made, *self.flows], key=lambda f: f.created)
            self._by_id.update((f.flow_id, f) for f in made)
        return keys

    def count(self, method: str, prefix: str = "") -> int:
        """How many requests of ``method`` on paths starting with ``prefix`` were served."""
        return sum(1 for m, p in self.requests if m == method and p.startswith(prefix))

    def pages(self) -> int:
        """List pages served."""
        return sum(1 for m, p in self.requests if m == "GET" and urlsplit(p).path == "/flows")

    def flow_reads(self) -> int:
        """``GET /flows/{id}`` served (polls and one-by-one reads alike)."""
        return self.by_path()["GET /flows/{id}"]

    def by_path(self) -> Counter[str]:
        """Count requests by kind: ``GET /flows``, ``GET /flows/{id}``, ``POST /flows``..."""
        kinds: Counter[str] = Counter()
        for method, path in self.requests:
            parts = urlsplit(path).path.split("/")
            if len(parts) > 2 and parts[1] == "flows":
                parts[2] = "{id}"
            if len(parts) > 4:
                parts[4] = "{asset}"
            kinds[f"{method} {'/'.join(parts)}"] += 1
        return kinds

    # -- the API ------------------------------------------------------------------

    def handle(self, method: str, target: str, body: bytes) -> tuple[int, Any]:
        """Answer one request: ``(status, JSON)``."""
        url = urlsplit(target)
        query = dict(parse_qsl(url.query))
        parts = url.path.strip("/").split("/")
        with self._lock:
            self.requests.append((method, target))
        if parts[0] == "templates":
            names = TEMPLATES if len(parts) == 1 else [parts[1]]
            found = [self._template(n) for n in names if n in TEMPLATES]
            if len(parts) == 1:
                return 200, {"templates": found}
            return (200, found[0]) if found else (404, {"detail": "Template not found"})
        if parts == ["flows"] and method == "GET":
            return 200, self._page(query)
        if parts == ["flows"] and method == "POST":
            return 200, self._create(json.loads(body))
        flow = self._by_id.get(parts[1]) if len(parts) > 1 else None
        if flow is None:
            return 404, {"detail": "Flow not found"}
        now = self.now()
        if len(parts) == 2 and method == "GET":
            return 200, flow.to_json(now)
        if len(parts) == 2 and method == "PATCH":
            if flow.state(now) != "running":
                return 409, {"detail": f"Flow is {flow.state(now)}"}
            flow.aborted = now
            flow.cached.clear()
            return 200, flow.to_json(now)
        if parts[2] == "outputs":
            if flow.state(now) == "running":
                return 409, {"detail": "Flow is running"}
            asset = {"asset_id": f"{flow.flow_id}-0", "status": "ready", "data": OUTPUT_URI}
            if len(parts) == 4:
                return 200, asset
            if query.get("include_data") != "true":
                asset = {k: v for k, v in asset.items() if k != "data"}
            return 200, {"flow_id": flow.flow_id, "outputs": [asset]}
        return 404, {"detail": "Not found"}

    @staticmethod
    def _template(name: str) -> dict[str, Any]:
        kinds = {
            "model_generate_fromprompt": ["text/plain"],
            "model_generate_fromimage": ["image/png", "image/jpeg"],
            "model_optimize": ["model/gltf-binary"],
        }
        return {
            "template_id": f"tpl-{name}",
            "name": name,
            "parameters": {},
            "input_types": kinds[name],
            "output_types": ["model/gltf-binary"],
        }

    def _create(self, body: dict[str, Any]) -> dict[str, Any]:
        flow = FakeFlow(
            self.new_id(),
            body["template"],
            body.get("additional"),
            self.now(),
            self.flow_seconds,
            inputs=len(body.get("inputs") or []),
        )
        with self._lock:
            self.flows.append(flow)
            self._by_id[flow.flow_id] = flow
            self.ledger.append(flow)
        return flow.to_json(self.now())

    def _page(self, query: dict[str, str]) -> Any:
        now = self.now()
        with self._lock:
            flows, total = self.flows, len(self.flows)
            if "after" in query:
                at = self._position(query["after"])
                start = total if at is None else at + 1
            else:
                start = (int(query.get("page", "1")) - 1) * self.page_size
            stop = start + self.page_size
            if self.order == "ascending":
                chunk = flows[start:stop]
            else:
                chunk = flows[max(0, total - stop) : max(0, total - start)][::-1]
            more = stop < total
        entries = ",".join(f.text(now, self.additional, self.template) for f in chunk)
        page: dict[str, Any] = {"flows": _Raw(f"[{entries}]")}
        if more:
            if self.links == "cursor":
                link = f"/flows?after={chunk[-1].flow_id}"
            else:
                number = int(query.get("page", "1")) + 1
                link = f"/flows?sort_by=created_at&page={number}"
            page["next"] = f"{self.base_url}{link}" if self.links == "absolute" else link
        return page

    def _position(self, flow_id: str) -> int | None:
        """Where ``flow_id`` is in listing order (called under the lock); indexed, not scanned."""
        key = (id(self.flows), len(self.flows))
        if self._index_key != key:
            self._index = {f.flow_id: i for i, f in enumerate(self.flows)}
            self._index_key = key
        at = self._index.get(flow_id)
        if at is None or self.order == "ascending":
            return at
        return len(self.flows) - 1 - at


class _Raw(str):
    """JSON text already made, spliced in as it is."""


def _dumps(answer: Any) -> bytes:
    if isinstance(answer, dict) and isinstance(answer.get("flows"), _Raw):
        rest = json.dumps({k: v for k, v in answer.items() if k != "flows"})
        tail = "}" if rest == "{}" else "," + rest[1:]
        return ('{"flows":' + answer["flows"] + tail).encode()
    return json.dumps(answer).encode()


def _handler_for(account: BigAccount) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        """HTTP/1.1 keep-alive, read and answered by hand: a listing reads thousands of flows.

        ``BaseHTTPRequestHandler`` parses each request's headers with ``email.parser`` and
        writes its answer line by line, which cost about a quarter of these tests' CPU; the
        client sends plain ``Header: value`` lines, so a split on the first colon reads them.
        """

        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # Headers and body go out in two writes: without this, Nagle's algorithm and the
            # client's delayed ACK hold every answer 40 ms.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def handle_one_request(self) -> None:
            line = self.rfile.readline(65537)
            if not line:
                self.close_connection = True
                return
            method, target, _ = line.decode("latin-1").split(" ", 2)
            headers: dict[str, str] = {}
            while (field := self.rfile.readline(65537)) not in (b"\r\n", b"\n", b""):
                name, _, value = field.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
            self.close_connection = headers.get("connection", "").lower() == "close"
            length = int(headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            status, answer = account.handle(method, target, body)
            if method == "POST" and target == "/flows" and account.lose_creates > 0:
                account.lose_creates -= 1
                self.close_connection = True  # carried out, answer lost
                return
            content = _dumps(answer)
            reason = self.responses[status][0]
            head = (
                f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
                f"content-length: {len(content)}\r\n\r\n"
            )
            self.wfile.write(head.encode("latin-1") + content)
            self.wfile.flush()

        def log_message(self, format: str, *args: Any) -> None:
            """Stay quiet."""

    return Handler


class serve:  # noqa: N801 - used as a context manager, like open()
    """Serve ``account`` on 127.0.0.1 while the block runs."""

    def __init__(self, account: BigAccount) -> None:
        self.account = account
        self._server = QuietServer(("127.0.0.1", 0), _handler_for(account))
        self._server.daemon_threads = True
        host, port = self._server.server_address[:2]
        account.base_url = f"http://{host!s}:{port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> BigAccount:
        self._thread.start()
        return self.account

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
