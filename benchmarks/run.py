"""`nox -s bench`: every benchmark row against its baseline measured in the same run.

Usage: python benchmarks/run.py [--record] [ROW ...]
       (rows: overhead latency memory hostile codec batch import)

Results go to benchmarks/results/local/ (ignored by git), one file per run, so running the
benchmarks never changes a tracked file. --record also writes benchmarks/results/latest.json,
the committed figures the README quotes.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import bench_hostile
import bench_local
import bench_memory
import bench_server
from _report import Row, print_table, write_json

BENCHES: dict[str, Callable[[], list[Row]]] = {
    "overhead": bench_server.call_overhead,
    "latency": bench_server.completion_latency,
    "memory": bench_memory.memory,
    "hostile": bench_hostile.hostile,
    "codec": bench_local.codec,
    "batch": bench_server.batch,
    "import": bench_local.import_time,
}


RESULTS = Path(__file__).parent / "results"


def main(args: list[str]) -> int:
    record = "--record" in args
    names = [a for a in args if a != "--record"]
    unknown = set(names) - set(BENCHES)
    if unknown:
        print(f"unknown rows: {', '.join(sorted(unknown))}; choose from {', '.join(BENCHES)}")
        return 2
    rows: list[Row] = []
    for name in names or list(BENCHES):
        print(f"running {name} ...", flush=True)
        rows += BENCHES[name]()
    print()
    print_table(rows)
    path = write_json(rows, RESULTS / "local")
    print(f"\nwritten to {path} (not tracked; --record to update {RESULTS / 'latest.json'})")
    if record:
        recorded = write_json(rows, RESULTS, "latest.json")
        print(f"recorded in {recorded}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
