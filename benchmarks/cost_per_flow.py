"""How a batch's cost per flow grows with its size: requests and client CPU per flow.

Usage: python benchmarks/cost_per_flow.py [sync|async] [FLOWS ...]   (default: async 10 1000)

Each size runs ``run_many`` (concurrency 200, outputs saved to a temporary folder) against a
fresh emulator in another process whose flows take 0.05 s, so the client's own cost is what
the batch waits on. It prints, per size, the elapsed time, the client's CPU per flow
(``time.process_time()``), the emulator's requests per flow and the jobs that failed. A cost
that grows with the work, not the account, shows as flat columns from 10 to 20,000 flows.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from typing import Any

from generio import AsyncGenerio, Generio
from generio.testing import Emulator

CONCURRENCY = 200


def _jobs(count: int, out: str) -> list[dict[str, Any]]:
    template = "model_generate_fromprompt"
    return [{"template": template, "inputs": f"a chair {i}", "out_dir": out} for i in range(count)]


def _sync(emu: Emulator, jobs: list[dict[str, Any]]) -> tuple[list[Any], float, float]:
    with Generio(emu.api_key, emu.base_url) as client:
        client.templates.list()  # the template cache: not part of any flow's cost
        began, cpu = time.perf_counter(), time.process_time()
        results = client.run_many(jobs, concurrency=CONCURRENCY)
        return results, time.perf_counter() - began, time.process_time() - cpu


async def _async(emu: Emulator, jobs: list[dict[str, Any]]) -> tuple[list[Any], float, float]:
    async with AsyncGenerio(emu.api_key, emu.base_url) as client:
        await client.templates.list()
        began, cpu = time.perf_counter(), time.process_time()
        results = await client.run_many(jobs, concurrency=CONCURRENCY)
        return results, time.perf_counter() - began, time.process_time() - cpu


def main(mode: str, sizes: list[int]) -> None:
    """Run one batch per size and print its cost per flow."""
    for count in sizes:
        with (
            tempfile.TemporaryDirectory() as out,
            Emulator(process=True, flow_seconds=0.05) as emu,
        ):
            jobs = _jobs(count, out)
            if mode == "sync":
                results, elapsed, cpu = _sync(emu, jobs)
            else:
                results, elapsed, cpu = asyncio.run(_async(emu, jobs))
            requests = sum(emu.request_counts.values())
        failed = sum(isinstance(result, BaseException) for result in results)
        print(
            f"{mode} {count:>6} flows: {elapsed:7.1f} s, client CPU {cpu / count * 1e3:5.2f} "
            f"ms/flow, {requests / count:.2f} requests/flow, {failed} failed",
            flush=True,
        )


if __name__ == "__main__":
    arguments = sys.argv[1:]
    chosen = arguments[0] if arguments and arguments[0] in ("sync", "async") else "async"
    numbers = [int(a) for a in arguments if a.isdigit()] or [10, 1000]
    main(chosen, numbers)
