"""`nox -s bench`: every benchmark row against its baseline (the table says what each is).

Usage: python benchmarks/run.py [--record] [ROW ...]
       (rows: overhead latency short memory stream hostile codec batch import scale keys)

Results go to benchmarks/results/local/ (ignored by git), one file per run, so running the
benchmarks never changes a tracked file. --record on a full run (no ROW) also writes
benchmarks/results/latest.json, the committed figures the README quotes; --record on a
subset writes benchmarks/results/latest-ROW[-ROW...].json instead, so a partial run never
replaces the full results.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

# Run as a script, this folder is sys.path[0]: the bench modules import as top-level names.
import bench_hostile
import bench_local
import bench_memory
import bench_scale
import bench_server
import bench_web
from _report import Row, print_table, write_json

BENCHES: dict[str, Callable[[], list[Row]]] = {
    "overhead": bench_server.call_overhead,
    "latency": bench_server.completion_latency,
    "short": bench_web.short_latency,
    "memory": bench_memory.memory,
    "stream": bench_web.stream_service,
    "hostile": bench_hostile.hostile,
    "codec": bench_local.codec,
    "batch": bench_server.batch,
    "import": bench_local.import_time,
    "scale": bench_scale.scale,
    "keys": bench_scale.keys,
}


RESULTS = Path(__file__).parent / "results"


def record_name(names: list[str]) -> str:
    """Name the recorded file: latest.json for a full run, a file of its own for a subset."""
    if not names or set(names) == set(BENCHES):
        return "latest.json"
    return f"latest-{'-'.join(sorted(set(names)))}.json"


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
    print(f"\nwritten to {path} (not tracked; --record to update {RESULTS / record_name(names)})")
    if record:
        recorded = write_json(rows, RESULTS, record_name(names))
        print(f"recorded in {recorded}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
