"""The floor of the scale row: the same batch with plain httpx, no generio.

Usage: python benchmarks/raw_floor.py [sync|async] [FLOWS] [CONCURRENCY] [SHARDS]

Each flow sends what generio's batch sends (create, a first look just after the run time,
then polls, the output listing, the output streamed to a file that is synced and renamed
into place) through plain ``httpx.Client``s in a thread pool, or ``httpx.AsyncClient``s in tasks,
with generio's total connection limits split over SHARDS clients (1 by default: the plain
way; generio uses 25, as httpcore walks every connection of a pool per request); flow i
uses client i % SHARDS. It prints the elapsed time, the client's
CPU per flow and the requests per flow, so generio's own cost per flow is the difference
against ``benchmarks/_scale_worker.py``'s row measured in the same state of the machine.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from generio._http.pools import MAX_CONNECTIONS, MAX_IDLE
from generio.testing import Emulator

FLOW_SECONDS = 2.0
POLL_SECONDS = 0.5


def _limits(shards: int) -> httpx.Limits:
    return httpx.Limits(
        max_connections=max(1, MAX_CONNECTIONS // shards),
        max_keepalive_connections=max(1, MAX_IDLE // shards),
    )


def _body(i: int) -> dict[str, Any]:
    prompt = base64.b64encode(f"a catalogue chair {i}".encode()).decode()
    return {
        "template": "model_generate_fromprompt",
        "inputs": [{"data": f"data:text/plain;base64,{prompt}"}],
    }


def _save(out: Path, name: str, answer: bytes) -> None:
    """Decode the output's data URI and commit it as generio does: synced, renamed, dir synced."""
    uri = json.loads(answer)["data"]
    data = base64.b64decode(uri.partition(",")[2])
    part = out / f".{name}.part"
    with open(part, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    os.replace(part, out / f"{name}.glb")
    fd = os.open(out, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync(base_url: str, key: str, out: Path, flows: int, concurrency: int, shards: int) -> int:
    sent = 0
    lock = threading.Lock()
    headers = {"Authorization": f"Bearer {key}"}
    clients = [
        httpx.Client(base_url=base_url, headers=headers, limits=_limits(shards))
        for _ in range(shards)
    ]
    try:

        def flow(i: int) -> None:
            nonlocal sent
            client = clients[i % shards]
            count = 0
            created = client.post("/flows", json=_body(i))
            created.raise_for_status()
            flow_id = created.json()["flow_id"]
            count += 1
            time.sleep(FLOW_SECONDS)
            while True:
                look = client.get(f"/flows/{flow_id}")
                count += 1
                if look.json()["state"] == "completed":
                    break
                time.sleep(POLL_SECONDS)
            listing = client.get(f"/flows/{flow_id}/outputs")
            asset = listing.json()["outputs"][0]["asset_id"]
            with client.stream("GET", f"/flows/{flow_id}/outputs/{asset}") as answer:
                content = b"".join(answer.iter_bytes())
            _save(out, f"{i}", content)
            with lock:
                sent += count + 2

        with ThreadPoolExecutor(concurrency) as pool:
            for done in pool.map(flow, range(flows)):
                del done
    finally:
        for client in clients:
            client.close()
    return sent


async def _async(
    base_url: str, key: str, out: Path, flows: int, concurrency: int, shards: int
) -> int:
    sent = 0
    headers = {"Authorization": f"Bearer {key}"}
    queue = iter(range(flows))
    clients = [
        httpx.AsyncClient(base_url=base_url, headers=headers, limits=_limits(shards))
        for _ in range(shards)
    ]
    try:

        async def flow(i: int) -> None:
            nonlocal sent
            client = clients[i % shards]
            created = await client.post("/flows", json=_body(i))
            created.raise_for_status()
            flow_id = created.json()["flow_id"]
            sent += 1
            await asyncio.sleep(FLOW_SECONDS)
            while True:
                look = await client.get(f"/flows/{flow_id}")
                sent += 1
                if look.json()["state"] == "completed":
                    break
                await asyncio.sleep(POLL_SECONDS)
            listing = await client.get(f"/flows/{flow_id}/outputs")
            asset = listing.json()["outputs"][0]["asset_id"]
            async with client.stream("GET", f"/flows/{flow_id}/outputs/{asset}") as answer:
                content = b"".join([chunk async for chunk in answer.aiter_bytes()])
            await asyncio.to_thread(_save, out, f"{i}", content)
            sent += 2

        async def worker() -> None:
            for i in queue:
                await flow(i)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    finally:
        for client in clients:
            await client.aclose()
    return sent


def main() -> None:
    client = sys.argv[1] if len(sys.argv) > 1 else "sync"
    flows = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    concurrency = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    shards = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    with (
        tempfile.TemporaryDirectory() as out,
        Emulator(process=True, flow_seconds=FLOW_SECONDS) as emu,
    ):
        httpx.get(f"{emu.base_url}/templates", headers={"Authorization": f"Bearer {emu.api_key}"})
        cpu, start = time.process_time(), time.perf_counter()
        args = (emu.base_url, emu.api_key, Path(out), flows, concurrency, shards)
        sent = _sync(*args) if client == "sync" else asyncio.run(_async(*args))
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    ideal = FLOW_SECONDS * flows / concurrency
    report = {
        "client": client,
        "shards": shards,
        "elapsed": round(elapsed, 2),
        "ratio": round(elapsed / ideal, 3),
        "cpu_ms_per_flow": round(1000 * cpu / flows, 2),
        "requests_per_flow": round(sent / flows, 2),
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
