"""`nox -s bench`: every benchmark row against its baseline (the table says what each is).

Usage: python benchmarks/run.py [--record] [ROW ...]
       (rows: overhead latency short memory stream hostile codec batch import scale keys)

Without ROW it runs every row but the long ones (``scale``, ``keys``: 1,000-flow batches;
``stream``: fifty clients downloading 200 MB, three times), which run only when named. Results go to
benchmarks/results/local/ (ignored by git), one file per run, so running the benchmarks
never changes a tracked file. --record on the default run (no ROW) also writes
benchmarks/results/latest.json, the figures the README's main table shows; --record on
other rows writes benchmarks/results/latest-ROW[-ROW...].json instead, so a partial run
never replaces the main results. Each file says when it ran, which rows, the command and
the machine's load; ``python benchmarks/readme_table.py`` then renders them into the README.
"""

from __future__ import annotations

import os
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
#: Rows that run only when named: minutes each on two cores (1,000-flow batches; fifty
#: clients downloading 200 MB three times over).
OPT_IN = ("scale", "keys", "stream")


def default_rows() -> list[str]:
    """The rows a run without ROW arguments measures: all but :data:`OPT_IN`."""
    return [name for name in BENCHES if name not in OPT_IN]


def record_name(names: list[str]) -> str:
    """Name the recorded file: latest.json for the default run, a file of its own otherwise."""
    if not names or set(names) == set(default_rows()):
        return "latest.json"
    return f"latest-{'-'.join(sorted(set(names)))}.json"


def main(args: list[str]) -> int:
    record = "--record" in args
    names = [a for a in args if a != "--record"]
    unknown = set(names) - set(BENCHES)
    if unknown:
        print(f"unknown rows: {', '.join(sorted(unknown))}; choose from {', '.join(BENCHES)}")
        return 2
    run = names or default_rows()
    load_before = os.getloadavg()
    rows: list[Row] = []
    for name in run:
        print(f"running {name} ...", flush=True)
        rows += BENCHES[name]()
    print()
    print_table(rows)
    about = {
        "benches": run,
        "command": " ".join(["python benchmarks/run.py", *args]),
        # The machine is shared: the 1-minute load average as the run began and ended.
        "load": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
    }
    path = write_json(rows, RESULTS / "local", about=about)
    print(f"\nwritten to {path} (not tracked; --record to update {RESULTS / record_name(names)})")
    if record:
        recorded = write_json(rows, RESULTS, record_name(names), about=about)
        print(f"recorded in {recorded}; python benchmarks/readme_table.py puts it in README.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
