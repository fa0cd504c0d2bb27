"""Rows measured against the emulator in a child process, over loopback HTTP."""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from collections import Counter
from datetime import UTC, datetime

import httpx
from _report import Row, ratio_row

from generio import AsyncGenerio, Generio
from generio.testing import Emulator

TERMINAL = {"completed", "aborted", "failed"}
PROMPT_TEMPLATE = "model_generate_fromprompt"


def _auth(emu: Emulator) -> dict[str, str]:
    return {"Authorization": f"Bearer {emu.api_key}"}


def _create_raw(http: httpx.Client, prompt: str) -> str:
    response = http.post("/flows", json={"template": PROMPT_TEMPLATE, "inputs": [{"data": prompt}]})
    response.raise_for_status()
    return str(response.json()["flow_id"])


def call_overhead(calls: int = 2000, rounds: int = 10) -> list[Row]:
    """client.flows.get against raw httpx GET + json() on the same URL, alternating rounds."""
    per_round = calls // rounds
    with (
        Emulator(process=True, flow_seconds=3600) as emu,
        httpx.Client(base_url=emu.base_url, headers=_auth(emu)) as raw,
        Generio(api_key=emu.api_key, base_url=emu.base_url) as client,
    ):
        flow_id = _create_raw(raw, "overhead")
        url = f"/flows/{flow_id}"
        for _ in range(50):  # warm both connections and code paths
            raw.get(url).json()
            client.flows.get(flow_id)
        ours = base = 0.0
        for _ in range(rounds):
            start = time.perf_counter()
            for _ in range(per_round):
                raw.get(url).json()
            base += time.perf_counter() - start
            start = time.perf_counter()
            for _ in range(per_round):
                client.flows.get(flow_id)
            ours += time.perf_counter() - start
    n = per_round * rounds
    return [
        ratio_row(
            "call overhead",
            f"{n} × client.flows.get",
            ours / n * 1e6,
            base / n * 1e6,
            "µs/call",
            1.10,  # issue 20: at most 1.10x raw httpx
            calls=n,
        )
    ]


class _CountingTransport(httpx.BaseTransport):
    """Counts GETs per flow path, so both waiters' requests are counted the same way."""

    def __init__(self) -> None:
        self._inner = httpx.HTTPTransport()
        self.gets: Counter[str] = Counter()
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            with self._lock:
                self.gets[request.url.path] += 1
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


def completion_latency(
    durations: tuple[float, ...] = (2, 4, 6, 8, 10, 12, 14, 16, 18, 20), repeats: int = 2
) -> list[Row]:
    """wait() against the vendor's fixed 5 s loop: latency after completion and GET count."""
    counting = _CountingTransport()
    results: dict[str, list[tuple[float, int]]] = {"ours": [], "base": []}
    lock = threading.Lock()
    with (
        Emulator(process=True) as emu,
        httpx.Client(base_url=emu.base_url, headers=_auth(emu), transport=counting) as http,
        Generio(api_key=emu.api_key, base_url=emu.base_url, http_client=http) as client,
    ):
        jobs: list[tuple[str, str]] = []
        for i, seconds in enumerate(durations * repeats):
            emu.flow_seconds = seconds
            for waiter in ("ours", "base"):
                jobs.append((waiter, _create_raw(http, f"latency {i} {waiter}")))
        counting.gets.clear()
        returned: dict[str, float] = {}

        def get_state(flow_id: str) -> str:
            try:
                return str(http.get(f"/flows/{flow_id}").json()["state"])
            except httpx.RemoteProtocolError:
                # The server closes a connection idle for 5 s (uvicorn's keep-alive) just as
                # the loop wakes to reuse it: any working loop then asks again at once.
                return str(http.get(f"/flows/{flow_id}").json()["state"])

        def fixed_loop(flow_id: str) -> None:
            # The vendor quickstart: GET, and while not terminal, sleep 5 s and GET again.
            while get_state(flow_id) not in TERMINAL:
                time.sleep(5)
            returned[flow_id] = time.time()

        def adaptive(flow_id: str) -> None:
            client.flows.wait(flow_id)
            returned[flow_id] = time.time()

        threads = [
            threading.Thread(target=adaptive if w == "ours" else fixed_loop, args=(f,))
            for w, f in jobs
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        completed = {e.flow_id: e.completed_at for e in emu.ledger}
        for waiter, flow_id in jobs:
            done = completed[flow_id]
            assert isinstance(done, datetime)
            latency = returned[flow_id] - done.replace(tzinfo=done.tzinfo or UTC).timestamp()
            with lock:
                results[waiter].append((latency, counting.gets[f"/flows/{flow_id}"]))
    ours_lat = statistics.median(lat for lat, _ in results["ours"])
    base_lat = statistics.median(lat for lat, _ in results["base"])
    ours_gets = sum(g for _, g in results["ours"])
    base_gets = sum(g for _, g in results["base"])
    return [
        ratio_row(
            "completion latency",
            f"median, {len(results['ours'])} flows of 2–20 s",
            ours_lat,
            base_lat,
            "s",
            0.2,
        ),
        ratio_row(
            "completion GETs", "GET /flows/{id} while waiting", ours_gets, base_gets, "GETs", 1.2
        ),
    ]


def batch(flows: int = 200, concurrency: int = 50, seconds: float = 1.0) -> list[Row]:
    """AsyncGenerio.run_many on 200 one-second flows against the ideal flows/concurrency × 1 s."""

    async def main(emu: Emulator) -> tuple[float, int]:
        jobs = [{"template": PROMPT_TEMPLATE, "inputs": [f"batch chair {i}"]} for i in range(flows)]
        async with AsyncGenerio(api_key=emu.api_key, base_url=emu.base_url) as client:
            start = time.perf_counter()
            results = await client.run_many(jobs, concurrency=concurrency)
            elapsed = time.perf_counter() - start
        failures = sum(isinstance(r, BaseException) for r in results)
        return elapsed, failures

    with Emulator(process=True, flow_seconds=seconds) as emu:
        elapsed, failures = asyncio.run(main(emu))
    ideal = flows / concurrency * seconds
    row = ratio_row(
        "batch",
        f"{flows} × {seconds:g} s flows, run_many(concurrency={concurrency})",
        elapsed,
        ideal,
        "s",
        1.5,
        failures=failures,
    )
    if failures:
        row.met = False
    return [row]
