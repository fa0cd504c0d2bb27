"""One row per benchmark: a measured figure, its baseline, and the target.

Most baselines are measured in the same run; :data:`BASELINES` says what each row's is, and
says so plainly where it is a formula or a bound instead.
"""

from __future__ import annotations

import json
import platform
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Row:
    name: str
    measure: str
    value: float
    baseline: float
    unit: str
    ratio: float
    target: str
    met: bool
    details: dict[str, Any] = field(default_factory=dict)


#: What each row's baseline is, by row name: shown in the table and written in the JSON.
BASELINES: dict[str, str] = {
    "call overhead": "measured: raw httpx.Client.get + json() on the same URL, same run",
    "completion latency": "measured: the docs' fixed 5 s loop on the same flows, same run",
    "completion GETs": "measured: GETs of that fixed 5 s loop, same run",
    "upload memory": "measured: read + base64 + json of the same file, fresh process",
    "download memory": "measured: response.json() + b64decode of the same output, fresh process",
    "codec encode": "measured: base64.b64encode of the same bytes, same run",
    "codec decode": "measured: base64.b64decode of the same text, same run",
    "stream encode": "measured: base64.b64encode of the same bytes, same run",
    "stream decode": "measured: base64.b64decode of the same text, same run",
    "batch": "formula, not measured: flows / concurrency × flow seconds (the ideal)",
    "import": 'measured: python -c "import httpx", alternating, same run',
    "import client": 'measured: python -c "import httpx", alternating, same run',
    "hostile memory": "a bound, not measured: 100 MB (a JSON answer) or 64 MB (streams)",
    "short-flow latency": "a bound, not measured: the 0.3 s issue 19 allows",
    "stream service": "a bound, not measured: 64 MB above idle for the app serving 50 clients",
    "batch 1,000": "formula, not measured: flows / concurrency × flow seconds (the ideal)",
    "batch 1,000 sync": "formula, not measured: flows / concurrency × flow seconds (the ideal)",
    "batch 1,000 memory": "a bound, not measured: 64 MB above idle",
    "batch 1,000 sync memory": "a bound, not measured: 64 MB above idle",
    "keyed batch, with additional": "a goal, not measured: 0.05 lookup requests per job",
    "keyed batch, without additional": "a goal, not measured: 0.05 lookup requests per job",
    "keyed batch time, with additional": "formula, not measured: the ideal batch time",
    "keyed batch time, without additional": "formula, not measured: the ideal batch time",
    "killed batch resumed": "a bound, not measured: no duplicate",
    "killed batch re-run lookups": "the goal of the keyed batch, for comparison only",
    "keyed run() calls": "measured: the same 100 run() calls without keys, same account, run",
}


def baseline_of(row: Row) -> str:
    """Say what ``row``'s baseline is."""
    return BASELINES.get(row.name, "not stated")


def ratio_row(
    name: str,
    measure: str,
    value: float,
    baseline: float,
    unit: str,
    limit: float,
    *,
    higher_is_better: bool = False,
    **details: Any,
) -> Row:
    """A row whose target is a ratio value/baseline at most (or at least) `limit`."""
    ratio = value / baseline if baseline else float("inf")
    met = ratio >= limit if higher_is_better else ratio <= limit
    target = f"{'≥' if higher_is_better else '≤'} {limit:g}×"
    return Row(name, measure, value, baseline, unit, ratio, target, met, dict(details))


def print_table(rows: list[Row]) -> None:
    header = ("row", "measure", "value", "baseline", "ratio", "target", "met", "baseline is")
    lines = [header] + [
        (
            r.name,
            r.measure,
            f"{r.value:.4g} {r.unit}",
            f"{r.baseline:.4g} {r.unit}",
            f"{r.ratio:.3f}×",
            r.target,
            "yes" if r.met else "NO",
            baseline_of(r),
        )
        for r in rows
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for i, line in enumerate(lines):
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)))
        if i == 0:
            print("  ".join("-" * w for w in widths))


def write_json(
    rows: list[Row], directory: Path, name: str | None = None, about: dict[str, Any] | None = None
) -> Path:
    """Write the run to directory/name (default: one file per run, named by its UTC time).

    ``about`` adds what the run was (its rows, the command, the machine's load).
    """
    directory.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    doc = {
        "when": stamp,
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": __import__("os").cpu_count(),
        },
        **(about or {}),
        "rows": [{**asdict(r), "baseline_is": baseline_of(r)} for r in rows],
    }
    path = directory / (name or f"bench-{stamp}.json")
    path.write_text(json.dumps(doc, indent=2) + "\n")
    return path
