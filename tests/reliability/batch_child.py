"""A child process for the batch crash tests: a keyed, chained catalogue batch.

Usage: ``python batch_child.py OUT_DIR COUNT`` with the emulator's URL and key in
``$GENERIO_BASE_URL`` and ``$GENERIO_API_KEY``. Each job ``i`` generates a model from a
prompt and optimises it, keyed ``catalogue/sku-i``, its outputs in ``OUT_DIR/sku-i``;
``on_interrupt="keep"``. Prints one line per job as it ends, then ``done``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from generio import Generio, Job, RunResult


def main() -> int:
    """Run the batch; 0 when every job completed, 1 otherwise."""
    out, count = Path(sys.argv[1]), int(sys.argv[2])
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
    with Generio() as client:
        for index, result in client.iter_run_many(jobs, concurrency=3, on_interrupt="keep"):
            if isinstance(result, RunResult):
                print(index, " ".join(flow.id for flow in result.steps), flush=True)
            else:
                ok = False
                print(index, "error", result, flush=True)
    print("done", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
