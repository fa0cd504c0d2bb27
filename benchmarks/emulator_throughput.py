"""Emulator throughput: GET /flows/{id} per second with 200 flows running.

The emulator runs in a child process (Emulator(process=True)); the load comes from this
process over loopback, so client and server do not share a GIL. Load generators: a minimal
asyncio HTTP/1.1 keep-alive client (measures the server, not the client), httpx.Client in
four threads (what a Python user would see; client-bound), and wrk when it is installed.

    python benchmarks/emulator_throughput.py [--seconds 5] [--connections 16]

``--cpu`` measures instead what the test suite pays: the server's CPU per request (its
thread's CPU clock in-process, the child's /proc times with ``process=True``) for each kind
of request, sent one at a time on a keep-alive connection, and the cost to start and stop
an Emulator (the suite starts many):

    python benchmarks/emulator_throughput.py --cpu [--requests 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from generio.testing import Emulator

FLOWS = 200


async def _raw_worker(host: str, port: int, key: str, paths: list[str], stop: float) -> int:
    """One keep-alive connection sending GETs back to back; returns the responses read."""
    reader, writer = await asyncio.open_connection(host, port)
    done = 0
    try:
        while time.perf_counter() < stop:
            path = paths[done % len(paths)]
            request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {key}\r\n\r\n"
            writer.write(request.encode())
            head = await reader.readuntil(b"\r\n\r\n")
            status = head.split(b" ", 2)[1]
            assert status == b"200", head
            length = next(
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            await reader.readexactly(length)
            done += 1
    finally:
        writer.close()
        await writer.wait_closed()
    return done


async def _raw(base_url: str, key: str, ids: list[str], seconds: float, connections: int) -> float:
    host, port = base_url.removeprefix("http://").split(":")
    paths = [f"/flows/{flow_id}" for flow_id in ids]
    stop = time.perf_counter() + seconds
    started = time.perf_counter()
    counts = await asyncio.gather(
        *(
            _raw_worker(host, int(port), key, paths[i:] + paths[:i], stop)
            for i in range(connections)
        )
    )
    return sum(counts) / (time.perf_counter() - started)


def _httpx(base_url: str, key: str, ids: list[str], seconds: float, threads: int) -> float:
    """httpx.Client in ``threads`` threads, one client each: what a Python user sees."""
    headers = {"Authorization": f"Bearer {key}"}
    stop = time.perf_counter() + seconds
    counts = [0] * threads

    def worker(index: int) -> None:
        with httpx.Client(base_url=base_url, headers=headers) as client:
            while time.perf_counter() < stop:
                response = client.get(f"/flows/{ids[(index + counts[index]) % len(ids)]}")
                assert response.status_code == 200
                counts[index] += 1

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return sum(counts) / (time.perf_counter() - started)


def _wrk(base_url: str, key: str, flow_id: str, seconds: float, connections: int) -> float | None:
    wrk = shutil.which("wrk")
    if wrk is None:
        return None
    result = subprocess.run(
        [
            wrk,
            "-t2",
            f"-c{connections}",
            f"-d{int(seconds)}s",
            "-H",
            f"Authorization: Bearer {key}",
            f"{base_url}/flows/{flow_id}",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(line for line in result.stdout.splitlines() if line.startswith("Requests/sec:"))
    return float(line.split()[1])


Send = Callable[[str, str, "dict[str, object] | None"], tuple[int, bytes]]


def _keep_alive(base_url: str, key: str) -> tuple[Send, socket.socket]:
    """A minimal blocking HTTP/1.1 client on one connection: cheap, so the server's cost shows."""
    host, port = base_url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    stream = sock.makefile("rb")

    def send(method: str, path: str, body: dict[str, object] | None = None) -> tuple[int, bytes]:
        head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {key}\r\n"
        data = b"" if body is None else json.dumps(body).encode()
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
        sock.sendall(head.encode() + b"\r\n" + data)
        status = int(stream.readline().split(b" ")[1])
        length = 0
        while (line := stream.readline()) != b"\r\n":
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        return status, stream.read(length)

    return send, sock


def _server_cpu(emulator: Emulator) -> Callable[[], float]:
    """The server's CPU seconds so far: its child process's, or its thread's."""
    control: Any = emulator._control  # a benchmark of the internals
    if emulator.process:
        pid = control._process.pid
        tick = os.sysconf("SC_CLK_TCK")

        def child() -> float:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / tick

        return child
    clock = time.pthread_getcpuclockid(control.handle._thread.ident)
    return lambda: time.clock_gettime(clock)


def cpu_per_request(process: bool, requests: int) -> dict[str, float]:
    """Microseconds of server CPU per request, by kind of request."""
    results: dict[str, float] = {}
    with Emulator(process=process, flow_seconds=0.0) as emulator:
        send, sock = _keep_alive(emulator.base_url, emulator.api_key)
        cpu = _server_cpu(emulator)
        body = {"template": "model_generate_fromprompt", "inputs": [{"data": "a chair"}]}
        ids: list[str] = []

        def run(name: str, count: int, one: Callable[[int], None]) -> None:
            for index in range(20):  # warm up
                one(index)
            started = cpu()
            for index in range(count):
                one(index)
            results[name] = round((cpu() - started) / count * 1e6, 1)

        def create(_: int) -> None:
            status, answer = send("POST", "/flows", body)
            assert status == 200, answer
            ids.append(json.loads(answer)["flow_id"])

        def expect(status: int, method: str, path: str) -> None:
            got, answer = send(method, path, None)
            assert got == status, answer

        run("POST /flows", requests // 4, create)
        run("GET /flows/{id}", requests, lambda i: expect(200, "GET", f"/flows/{ids[i % 200]}"))
        run("GET /flows?page=N (100 flows)", requests // 10,
            lambda i: expect(200, "GET", f"/flows?page={1 + i % 5}"))  # fmt: skip
        outputs = json.loads(send("GET", f"/flows/{ids[0]}/outputs", None)[1])["outputs"]
        download = f"/flows/{ids[0]}/outputs/{outputs[0]['asset_id']}"
        run("GET /flows/{id}/outputs/{id} (download)", requests // 10,
            lambda _: expect(200, "GET", download))  # fmt: skip
        run("GET /flows/{unknown} (404)", requests // 4,
            lambda _: expect(404, "GET", "/flows/0123456789abcdef01234567"))  # fmt: skip
        sock.close()
    return results


def start_stop_cost(process: bool, times: int) -> dict[str, float]:
    """Median milliseconds to start, and to stop, an Emulator (wall, and this process's CPU)."""
    Emulator(process=process).start().stop()  # imports out of the way
    starts, stops, cpus = [], [], []
    for _ in range(times):
        cpu, wall = time.process_time(), time.perf_counter()
        emulator = Emulator(process=process).start()
        started = time.perf_counter()
        emulator.stop()
        starts.append(started - wall)
        stops.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return {
        "start_ms": round(statistics.median(starts) * 1e3, 1),
        "stop_ms": round(statistics.median(stops) * 1e3, 1),
        "cpu_ms_this_process": round(statistics.median(cpus) * 1e3, 1),
    }


def cpu_main(requests: int) -> None:
    results = {
        "server_cpu_us_per_request_in_process": cpu_per_request(False, requests),
        "server_cpu_us_per_request_child_process": cpu_per_request(True, requests),
        "start_stop_in_process": start_stop_cost(False, 20),
        "start_stop_child_process": start_stop_cost(True, 3),
    }
    print(json.dumps(results, indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each load run")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections")
    parser.add_argument("--cpu", action="store_true", help="CPU per request and start-up cost")
    parser.add_argument("--requests", type=int, default=2000, help="GETs per kind, with --cpu")
    args = parser.parse_args()
    if args.cpu:
        cpu_main(args.requests)
        return
    flow_seconds = 4 * args.seconds + 10  # every flow stays running through all load runs
    with Emulator(process=True, flow_seconds=flow_seconds) as emulator:
        headers = {"Authorization": f"Bearer {emulator.api_key}"}
        with httpx.Client(base_url=emulator.base_url, headers=headers) as client:
            body = {"template": "model_generate_fromprompt", "inputs": [{"data": "a chair"}]}
            ids = [client.post("/flows", json=body).json()["flow_id"] for _ in range(FLOWS)]
            results: dict[str, float | int | None] = {
                "raw_asyncio_rps": asyncio.run(
                    _raw(emulator.base_url, emulator.api_key, ids, args.seconds, args.connections)
                ),
                "httpx_sync_4_threads_rps": _httpx(
                    emulator.base_url, emulator.api_key, ids, args.seconds, 4
                ),
                "wrk_rps": _wrk(
                    emulator.base_url, emulator.api_key, ids[0], args.seconds, args.connections
                ),
            }
            flows = client.get("/flows").json()["flows"]
            results["flows_running_during_load"] = sum(f["state"] == "running" for f in flows)
        emulator.reset()  # a fresh batch of 200 short flows, to check they all complete
        emulator.flow_seconds = 0.5
        with httpx.Client(base_url=emulator.base_url, headers=headers) as client:
            for _ in range(FLOWS):
                client.post("/flows", json=body)
            time.sleep(0.6)
            results["flows_completed_of_200"] = sum(
                entry.completed_at is not None for entry in emulator.ledger
            )
    results["connections"] = args.connections
    results["seconds_per_run"] = args.seconds
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
