"""Emulator throughput: GET /flows/{id} per second with 200 flows running.

The emulator runs in a child process (Emulator(process=True)); the load comes from this
process over loopback, so client and server do not share a GIL. Load generators: a minimal
asyncio HTTP/1.1 keep-alive client (measures the server, not the client), httpx.Client in
four threads (what a Python user would see; client-bound), and wrk when it is installed.

    python benchmarks/emulator_throughput.py [--seconds 5] [--connections 16]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess
import threading
import time

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each load run")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections")
    args = parser.parse_args()
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
