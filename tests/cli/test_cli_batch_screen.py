"""`generio batch` on a real terminal: one live area at the bottom, finished jobs above it.

Run in a pseudo-terminal and read back through a VT100 emulator (pyte), frame by frame, as
a person watching the screen would see it.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from generio.testing import Emulator
from tests.helpers.cli import PROMPT_TEMPLATE
from tests.helpers.terminal import Screens, run_in_terminal

_CHILD = "import sys\nfrom generio.__main__ import main\nsys.exit(main())\n"
JOBS = 6
BAR = re.compile(
    r"^batch +[━╸╺]+ +(\d+)/(\d+) +\d+ running(, \d+ saving)?, \d+ queued(, \d+ failed)?"
    r" +(~\d+:\d\d:\d\d left|time left unknown)$"
)
FINISHED = re.compile(r"^line (\d) completed (\S+\.glb)$")
IN_FLIGHT = re.compile(rf"^  line \d  {PROMPT_TEMPLATE}  \d+:\d\d:\d\d$")


def _batch(
    emu: Emulator, env: dict[str, str], tmp_path: Path, *, stdout_to_pipe: bool = False
) -> Screens:
    emu.flow_seconds = 1.0  # long enough for the live area to show jobs in flight
    jobs = tmp_path / "jobs.jsonl"
    jobs.write_text(
        "".join(
            json.dumps({"template": PROMPT_TEMPLATE, "inputs": f"a chair no. {n}"}) + "\n"
            for n in range(JOBS)
        )
    )
    argv = [sys.executable, "-c", _CHILD, "batch", "jobs.jsonl", "-o", "out", "-c", "2"]
    return run_in_terminal(argv, env, stdout_to_pipe=stdout_to_pipe, cwd=tmp_path)


def _bars(rows: list[str]) -> list[str]:
    return [row for row in rows if "━" in row or row.startswith("batch")]


def test_batch_on_a_terminal_keeps_bar_and_job_lines_apart(
    emu: Emulator, subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    """Every frame: one bar, whole; finished jobs printed above it; jobs in flight below it."""
    shown = _batch(emu, subprocess_env, tmp_path)
    assert shown.returncode == 0, "\n".join(shown.final)
    saw_in_flight = False
    for rows in shown.frames:
        bars = _bars(rows)
        assert len(bars) <= 1, "\n".join(rows)  # never a second, stale bar
        if not bars:
            continue
        assert BAR.match(bars[0]), "\n".join(rows)  # never mixed with a job's line
        at = rows.index(bars[0])
        above = [row for row in rows[:at] if row]
        assert all(FINISHED.match(row) for row in above), "\n".join(rows)
        below = [row for row in rows[at + 1 :] if row]
        saw_in_flight |= any(IN_FLIGHT.match(row) for row in below)
    assert saw_in_flight, "no frame listed a job in flight under the bar"
    final = shown.final
    done = [FINISHED.match(row) for row in final]
    assert sorted(int(m[1]) for m in done if m) == list(range(1, JOBS + 1))  # each once, whole
    (bar,) = _bars(final)
    found = BAR.match(bar)
    assert found
    assert (found[1], found[2]) == (str(JOBS), str(JOBS))
    assert final[-1] == f"generio: {JOBS} of {JOBS} job(s) completed; summary: out/summary.csv"
    assert final.index(bar) == len(final) - 2  # the area ends with the batch: no job left in it


def test_results_to_a_file_while_the_bar_stays_on_the_terminal(
    emu: Emulator, subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    """`generio batch ... > results.txt`: job lines go to the file, the live area to the screen."""
    shown = _batch(emu, subprocess_env, tmp_path, stdout_to_pipe=True)
    assert shown.returncode == 0, "\n".join(shown.final)
    results = shown.stdout.splitlines()
    assert sorted(int(m[1]) for line in results if (m := FINISHED.match(line))) == list(
        range(1, JOBS + 1)
    )
    assert "\x1b" not in shown.stdout
    assert not [row for row in shown.final if row.startswith("line ")]
    (bar,) = _bars(shown.final)
    assert BAR.match(bar)
