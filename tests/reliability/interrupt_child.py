"""A child process for the interruption tests: many run() calls at once, until SIGINT.

Usage: ``python interrupt_child.py MODE COUNT [KEY]`` with the emulator's URL and key in
``$GENERIO_BASE_URL`` and ``$GENERIO_API_KEY``. MODE is ``gather`` (asyncio.gather),
``taskgroup`` (asyncio.TaskGroup), ``run_many`` (AsyncGenerio.run_many), ``sync_run_many``
(Generio.run_many: worker threads) or ``keyed`` (one blocking run() with idempotency key
KEY). Prints ``waiting`` once every run is waiting on
its flow; exits 130 on KeyboardInterrupt.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from typing import Any

from generio import AsyncGenerio, Flow, Generio

TEMPLATE = "model_generate_fromprompt"


def _announcer(count: int) -> Any:
    seen: set[str] = set()

    def on_progress(flow: Flow) -> None:
        if flow.id not in seen:
            seen.add(flow.id)
            if len(seen) == count:
                print("waiting", flush=True)

    return on_progress


async def _many(mode: str, count: int) -> None:
    on_progress = _announcer(count)
    async with AsyncGenerio() as client:
        prompts = [f"an interrupted chair {i}" for i in range(count)]
        if mode == "gather":
            await asyncio.gather(
                *(client.run(TEMPLATE, p, on_progress=on_progress) for p in prompts)
            )
        elif mode == "taskgroup":
            async with asyncio.TaskGroup() as group:
                for p in prompts:
                    group.create_task(client.run(TEMPLATE, p, on_progress=on_progress))
        else:
            jobs = [
                {"template": TEMPLATE, "inputs": p, "on_progress": on_progress} for p in prompts
            ]
            await client.run_many(jobs, concurrency=count)


def main() -> int:
    """Run until interrupted; 130 on Ctrl-C, as a shell reports it."""
    # A test runner may start children with SIGINT ignored; behave as a terminal would.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    mode, count = sys.argv[1], int(sys.argv[2])
    try:
        if mode == "sync_run_many":
            on_progress = _announcer(count)
            with Generio() as client:
                client.run_many(
                    [
                        {"template": TEMPLATE, "inputs": f"a threaded chair {i}",
                         "on_progress": on_progress}
                        for i in range(count)
                    ],
                    concurrency=count,
                )  # fmt: skip
        elif mode == "keyed":
            with Generio() as client:
                client.run(
                    TEMPLATE,
                    "a resumable chair",
                    idempotency_key=sys.argv[3],
                    on_progress=_announcer(1),
                )
        else:
            asyncio.run(_many(mode, count))
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
