"""One batch at scale in a fresh process: prints one JSON line of what it measured.

Usage: python _scale_worker.py MODE BASE_URL API_KEY ARGS_JSON
  batch: ``run_many`` of ARGS["flows"] prompt jobs (keyed with ARGS["keys"] as a prefix, or
      not), ARGS["concurrency"] at a time, outputs to ARGS["out"]; ARGS["client"] is "sync"
      or "async"; ARGS["journal"] a journal path or null.
  sequential: ARGS["calls"] ``run()`` calls one after the other on one client, keyed with
      ARGS["keys"] as a prefix, or not.

Prints elapsed seconds, the client's CPU seconds, peak RSS above idle (MB), what its
lookups read (list pages, flows read one by one: the client's own count), and for
``sequential`` the requests of each call (the emulator's count, read between calls over
its admin route). The client is the default one: no hook slows it down.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from generio import AsyncGenerio, Generio, RunResult


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def _jobs(args: dict[str, Any]) -> list[Any]:
    prefix = args.get("keys")
    return [
        {
            "template": "model_generate_fromprompt",
            "inputs": f"a catalogue chair {i}",
            "out_dir": args["out"],
            **({"idempotency_key": f"{prefix}-{i}"} if prefix else {}),
        }
        for i in range(args["flows"])
    ]


def _batch_sync(base_url: str, key: str, args: dict[str, Any]) -> tuple[list[Any], Any]:
    with Generio(api_key=key, base_url=base_url) as client:
        client.templates.list()
        start = time.perf_counter()
        results = client.run_many(
            _jobs(args), concurrency=args["concurrency"], journal=args.get("journal")
        )
        args["elapsed"] = time.perf_counter() - start
        return results, client._state.index


async def _batch_async(base_url: str, key: str, args: dict[str, Any]) -> tuple[list[Any], Any]:
    async with AsyncGenerio(api_key=key, base_url=base_url) as client:
        await client.templates.list()
        start = time.perf_counter()
        results = await client.run_many(
            _jobs(args), concurrency=args["concurrency"], journal=args.get("journal")
        )
        args["elapsed"] = time.perf_counter() - start
        return results, client._state.index


def _sequential(base_url: str, key: str, args: dict[str, Any]) -> tuple[list[Any], Any]:
    headers = {"Authorization": f"Bearer {key}"}
    admin = httpx.Client(base_url=f"{base_url}/_emulator", headers=headers)

    def served() -> int:
        return sum(admin.get("/requests").json()["requests"].values())

    per_call: list[int] = []
    results = []
    with admin, Generio(api_key=key, base_url=base_url) as client:
        client.templates.get("model_generate_fromprompt")
        prefix = args.get("keys")
        start = time.perf_counter()
        for i in range(args["calls"]):
            before = served()
            key_i = f"{prefix}-{i}" if prefix else None
            results.append(
                client.run("model_generate_fromprompt", f"lamp {i}", idempotency_key=key_i)
            )
            per_call.append(served() - before)
        args["elapsed"] = time.perf_counter() - start
        args["per_call"] = per_call
        return results, client._state.index


def main() -> None:
    mode, base_url, key, raw = sys.argv[1:5]
    args: dict[str, Any] = json.loads(raw)
    idle = _status_mb("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM from here on
    cpu = time.process_time()
    if mode == "sequential":
        results, index = _sequential(base_url, key, args)
    elif args.get("client") == "sync":
        results, index = _batch_sync(base_url, key, args)
    else:
        results, index = asyncio.run(_batch_async(base_url, key, args))
    report = {
        "elapsed": args["elapsed"],
        "cpu": time.process_time() - cpu,
        "peak_above_idle_mb": _status_mb("VmHWM") - idle,
        "failures": sum(not isinstance(r, RunResult) for r in results),
        "list_pages": index.pages_read,
        "flows_read": index.flows_read,
        "per_call": args.get("per_call", []),
    }
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main()
