"""A child process for the batch crash tests: a keyed, chained catalogue batch.

Usage: ``python batch_child.py OUT_DIR COUNT [JOURNAL]`` with the emulator's URL and key
in ``$GENERIO_BASE_URL`` and ``$GENERIO_API_KEY``. Each job ``i`` generates a model from a
prompt and optimises it, keyed ``catalogue/sku-i``, its outputs in ``OUT_DIR/sku-i``;
``on_interrupt="keep"``, with ``JOURNAL`` as run_many's journal when given. Prints one line
per job as it ends, then ``pages N`` (the list pages it read), then ``done``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import httpx

from generio import Generio, Job, RunResult


def main() -> int:
    """Run the batch; 0 when every job completed, 1 otherwise."""
    out, count = Path(sys.argv[1]), int(sys.argv[2])
    journal = sys.argv[3] if len(sys.argv) > 3 else None
    pages: list[str] = []

    def count_pages(request: httpx.Request) -> None:
        if request.method == "GET" and request.url.path == "/flows":
            pages.append(str(request.url))

    jobs: list[Job] = [
        {
            "template": "model_generate_fromprompt",
            "inputs": f"catalogue item {i}",
            "idempotency_key": f"catalogue/sku-{i}",
            "then": {"template": "model_optimize", "parameters": {"polygon_count": 20000}},
            "out_dir": out / f"sku-{i}",
        }
        for i in range(count)
    ]
    ok = True
    http = httpx.Client(event_hooks={"request": [count_pages]})
    with http, Generio(http_client=http) as client:
        batch = client.iter_run_many(jobs, concurrency=3, on_interrupt="keep", journal=journal)
        for index, result in batch:
            if isinstance(result, RunResult):
                print(index, " ".join(flow.id for flow in result.steps), flush=True)
            else:
                ok = False
                print(index, "error", result, flush=True)
    print("pages", len(pages), flush=True)
    print("done", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
