"""`nox -s bench`: every benchmark row against its baseline measured in the same run.

Usage: python benchmarks/run.py [ROW ...]
(rows: overhead latency memory hostile codec batch import)
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


def main(names: list[str]) -> int:
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
    path = write_json(rows, Path(__file__).parent / "results")
    print(f"\nwritten to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
