"""Render the recorded benchmark runs into README.md's performance tables.

Usage: python benchmarks/readme_table.py [--check]

README.md marks each generated table with a pair of comments naming the recorded file:
``<!-- bench-table: latest.json -->`` ... ``<!-- bench-table-end -->``. Everything between
them is rewritten from ``benchmarks/results/<file>``: a line saying when and how the run was
recorded (date, command, machine, load) and one row per benchmark. ``--check`` changes
nothing and exits 1 when a table differs from its file (``tests/test_bench_readme.py``).
"""

from __future__ import annotations

import json
import re
import sys
import textwrap
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
README = ROOT / "README.md"
#: Where README links point (absolute: the README is also the package's page on an index).
SOURCE = "https://github.com/generio-ai/generio-python/blob/main"
BLOCK = re.compile(
    r"(?P<open><!-- bench-table: (?P<file>[\w.-]+\.json) -->\n)(?P<body>.*?)"
    r"(?P<close><!-- bench-table-end -->)",
    flags=re.DOTALL,
)
HEADER = (
    "| row | measure | generio | baseline | ratio | target |\n| --- | --- | --- | --- | --- | --- |"
)


def number(value: float) -> str:
    """A figure as the tables print it: thousands separated, about three digits."""
    if float(value).is_integer() and abs(value) >= 1:
        return f"{int(value):,}"
    size = abs(value)
    if size >= 100:
        return f"{value:,.0f}"
    if size >= 10:
        return f"{value:.1f}"
    if size >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def _kind(row: dict[str, Any]) -> str:
    """What the row's baseline is: measured, formula, bound or goal (from ``baseline_is``)."""
    said = str(row.get("baseline_is", ""))
    for kind in ("formula", "bound", "goal"):
        if kind in said.split(":", 1)[0]:
            return kind
    return "measured" if said.startswith("measured") else "other"


def render_row(row: dict[str, Any]) -> str:
    """One table line for a recorded row."""
    unit, kind = row["unit"], _kind(row)
    value = f"{number(row['value'])} {unit}"
    baseline = f"{number(row['baseline'])} {unit}"
    if kind != "measured":
        baseline += f" ({kind})"
    # A ratio only where the target is one (memory rows have an absolute bound).
    ratio = f"{row['ratio']:.2f}×" if "×" in row["target"] else ""
    target = f"{row['target']} {'✓' if row['met'] else '✗'}"
    cells = [row["name"], row["measure"], value, baseline, ratio, target]
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def _command_of(name: str) -> str:
    """The command that records ``name``, for files from before runs said their command."""
    rows = name.removeprefix("latest").removesuffix(".json").strip("-").replace("-", " ")
    return f"python benchmarks/run.py --record {rows}".rstrip()


def render(doc: dict[str, Any], name: str) -> str:
    """The lines between a table's markers for the recorded run ``doc`` (file ``name``)."""
    when = str(doc["when"])
    date = f"{when[0:4]}-{when[4:6]}-{when[6:8]} {when[9:11]}:{when[11:13]} UTC"
    machine = doc["machine"]
    command = doc.get("command") or _command_of(name)
    load = doc.get("load")
    where = f"a shared {machine['cpus']}-core machine, Python {machine['python']}"
    if load:
        where += (
            f", other work running beside it (1-minute load average {load[0]:g} as the run"
            f" began, {load[1]:g} as it ended)"
        )
    benches = doc.get("benches")
    ran = f" Rows run: {', '.join(f'`{b}`' for b in benches)}." if benches else ""
    intro = textwrap.fill(
        f"Recorded {date} by `{command}` on {where}; in "
        f"[`benchmarks/results/{name}`]({SOURCE}/benchmarks/results/{name}).{ran}",
        width=92,
        break_long_words=False,
        break_on_hyphens=False,
    )
    rows = "\n".join(render_row(row) for row in doc["rows"])
    return f"{intro}\n\n{HEADER}\n{rows}\n"


def update(text: str, results: Path | None = None) -> str:
    """Return ``text`` with every marked table rendered from its file in ``results``."""
    folder = results or RESULTS

    def fill(match: re.Match[str]) -> str:
        name = match["file"]
        doc = json.loads((folder / name).read_text())
        return f"{match['open']}{render(doc, name)}{match['close']}"

    return BLOCK.sub(fill, text)


def main(args: list[str]) -> int:
    text = README.read_text()
    if not BLOCK.search(text):
        print("README.md has no <!-- bench-table: FILE --> markers")
        return 1
    new = update(text)
    if "--check" in args:
        if new != text:
            print("README.md's performance tables differ from benchmarks/results/; run")
            print("python benchmarks/readme_table.py")
            return 1
        return 0
    if new != text:
        README.write_text(new)
        print("README.md's performance tables rewritten from benchmarks/results/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
