"""`generio batch`: a file of jobs, one bar, a summary, and a re-run that buys nothing twice."""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from generio import IDEMPOTENCY_FIELD
from generio._cli._batch_file import derived_key, read_jobs
from generio.testing import Emulator, LedgerEntry
from tests.helpers.cli import IMAGE_TEMPLATE, OPTIMIZE_TEMPLATE, PROMPT_TEMPLATE, Cli

_CHILD = (
    "import signal, sys\n"
    "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
    "from generio.__main__ import main\n"
    "sys.exit(main())\n"
)


def _write(path: Path, *jobs: object) -> Path:
    path.write_text("".join(json.dumps(j) + "\n" for j in jobs))
    return path


def _chain(prompt: str, **extra: object) -> dict[str, object]:
    return {
        "template": PROMPT_TEMPLATE,
        "inputs": prompt,
        "then": {"template": OPTIMIZE_TEMPLATE, "parameters": {"polygon_count": 20000}},
        **extra,
    }


def _keys(entries: list[LedgerEntry]) -> list[str]:
    return sorted(e.additional[IDEMPOTENCY_FIELD]["key"] for e in entries)


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_batch_end_to_end(cli: Cli, emu: Emulator, tmp_path: Path, png: Path) -> None:
    """A chained prompt job and an image job: outputs per line, a CSV summary, exit 0."""
    folder = tmp_path / "jobs"
    folder.mkdir()
    png.rename(folder / "photo.png")  # named relative to the jobs file's folder
    jobs = _write(
        folder / "jobs.jsonl",
        _chain("a chair"),
        {},  # replaced below by a blank line
        {"template": IMAGE_TEMPLATE, "inputs": ["photo.png"], "idempotency_key": "photo-1"},
    )
    jobs.write_text(jobs.read_text().replace("{}\n", "\n"))
    result = cli("batch", str(jobs), "-o", str(tmp_path / "out"), "--concurrency", "2")
    assert result.exit_code == 0, result.output
    rows = _csv(tmp_path / "out" / "summary.csv")
    assert [(r["line"], r["state"]) for r in rows] == [("1", "completed"), ("3", "completed")]
    chair, photo = rows
    assert chair["templates"] == f"{PROMPT_TEMPLATE} > {OPTIMIZE_TEMPLATE}"
    assert chair["key"] == derived_key(_chain("a chair"))
    assert photo["key"] == "photo-1"
    assert len(chair["flow_ids"].split()) == 2
    assert float(chair["seconds"]) >= 0
    for row in rows:
        (path,) = row["paths"].split()
        assert Path(path).parent.name == f"line-{int(row['line']):04d}"
        assert Path(path).read_bytes()[:4] == b"glTF"
    assert _keys(emu.ledger) == sorted([chair["key"], f"{chair['key']}/then/1", "photo-1"])
    image_flow = next(e for e in emu.ledger if e.template == IMAGE_TEMPLATE)
    assert image_flow.input_count == 1
    assert "line 1 completed" in result.stdout
    assert "2 of 2 job(s) completed" in result.stderr


def test_batch_run_again_buys_nothing(cli: Cli, emu: Emulator, tmp_path: Path) -> None:
    """The same file run twice: the second run adopts every flow; a JSONL summary."""
    jobs = _write(tmp_path / "jobs.jsonl", _chain("a desk"), _chain("a bed"))
    out = tmp_path / "out"
    first = cli("batch", str(jobs), "-o", str(out), "--summary", str(tmp_path / "s.jsonl"))
    assert first.exit_code == 0, first.output
    before = [json.loads(line) for line in (tmp_path / "s.jsonl").read_text().splitlines()]
    again = cli("batch", str(jobs), "-o", str(out), "--summary", str(tmp_path / "s.jsonl"))
    assert again.exit_code == 0, again.output
    after = [json.loads(line) for line in (tmp_path / "s.jsonl").read_text().splitlines()]
    assert [r["flow_ids"] for r in after] == [r["flow_ids"] for r in before]
    assert len(emu.ledger) == 4


def test_batch_failing_job_exits_1(cli: Cli, emu: Emulator, tmp_path: Path) -> None:
    """A flow that fails: its row says failed with its flow, the others complete; exit 1."""
    emu.add_fault("fail_flow", "create_flow", count=1)
    jobs = _write(tmp_path / "jobs.jsonl", _chain("a doomed lamp"), _chain("a fine lamp"))
    result = cli("batch", str(jobs), "-o", str(tmp_path / "out"), "--concurrency", "1")
    assert result.exit_code == 1, result.output
    doomed, fine = _csv(tmp_path / "out" / "summary.csv")
    assert doomed["state"] == "failed"
    assert doomed["flow_ids"] == next(e.flow_id for e in emu.ledger if e.state == "failed")
    assert "ended failed" in doomed["error"]
    assert fine["state"] == "completed"
    assert "1 of 2 job(s) completed" in result.stderr


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ('{"template": "t", "inputs": "x", "paramters": {}}', "line 2 has an unknown key"),
        ('{"template": "t", "inputs": "x", "out_dir": "o"}', "set by the command"),
        ("not json", "line 2: not JSON"),
        ("[1, 2]", "a job must be a JSON object"),
        ('{"inputs": "x"}', "line 2 has no 'template'"),
    ],
    ids=["misspelt", "out-dir", "not-json", "not-object", "no-template"],
)
def test_bad_lines_are_usage_errors(
    cli: Cli, emu: Emulator, tmp_path: Path, line: str, words: str
) -> None:
    """A bad line stops the batch before any request: exit 2, the line named."""
    jobs = tmp_path / "jobs.jsonl"
    jobs.write_text(json.dumps(_chain("fine")) + "\n" + line + "\n")
    result = cli("batch", str(jobs), "-o", str(tmp_path / "out"))
    assert result.exit_code == 2, result.output
    assert words in result.stderr
    assert emu.ledger == []


def test_summary_extension_is_checked(cli: Cli, tmp_path: Path) -> None:
    """--summary must end in .csv or .jsonl."""
    jobs = _write(tmp_path / "jobs.jsonl", _chain("x"))
    result = cli("batch", str(jobs), "--summary", str(tmp_path / "s.txt"))
    assert result.exit_code == 2
    assert ".csv or .jsonl" in result.stderr


def test_inputs_name_files_like_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A string naming an existing path (jobs folder, then cwd) is a file; else a prompt."""
    (tmp_path / "jobs").mkdir()
    (tmp_path / "jobs" / "a.png").write_bytes(b"x")
    (tmp_path / "b.png").write_bytes(b"x")
    monkeypatch.chdir(tmp_path)
    path = _write(
        tmp_path / "jobs" / "j.jsonl",
        {"template": "t", "inputs": ["a.png", "b.png", "a chair", {"data": "a.png"}]},
    )
    (item,) = read_jobs(path, tmp_path / "out")
    assert item.job["inputs"] == [
        tmp_path / "jobs" / "a.png",
        Path.cwd() / "b.png",
        "a chair",
        {"data": tmp_path / "jobs" / "a.png"},
    ]
    assert item.job["out_dir"] == tmp_path / "out" / "line-0001"


def _until(condition: Callable[[], bool], seconds: float = 60.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def _start(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", _CHILD, "batch", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_batch_killed_mid_chain_then_run_again(
    emu: Emulator, subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    """SIGKILL while some jobs are between steps; the re-run bills each step exactly once."""
    emu.flow_seconds = 0.6
    jobs = _write(tmp_path / "jobs.jsonl", *(_chain(f"item {i}") for i in range(4)))
    args = (str(jobs), "-o", str(tmp_path / "out"), "-c", "2")
    child = _start(subprocess_env, *args)

    def mid_chain() -> bool:
        second = sum(e.template == OPTIMIZE_TEMPLATE for e in emu.ledger)
        return 0 < second < len(emu.ledger) - second

    reached = _until(mid_chain)
    child.kill()
    child.communicate()
    assert reached, "the batch never got between two steps"
    child = _start(subprocess_env, *args)
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0, out + err
    keys = [derived_key(_chain(f"item {i}")) for i in range(4)]
    assert _keys(emu.ledger) == sorted(k for key in keys for k in (key, f"{key}/then/1"))
    assert {e.state for e in emu.ledger} == {"completed"}
    rows = _csv(tmp_path / "out" / "summary.csv")
    assert [r["state"] for r in rows] == ["completed"] * 4
    assert all(Path(r["paths"]).is_file() for r in rows)


def test_batch_ctrl_c_keeps_flows_for_the_next_run(
    emu: Emulator, subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    """SIGINT: exit 130, flows in flight left running, summary written; a re-run collects."""
    emu.flow_seconds = 3
    jobs = _write(tmp_path / "jobs.jsonl", *(_chain(f"lamp {i}") for i in range(2)))
    args = (str(jobs), "-o", str(tmp_path / "out"))
    child = _start(subprocess_env, *args)
    # Both creates billed, and both answered: a flow is polled only once its id is known (the
    # ledger counts a create before its answer reaches the client, which a loaded machine shows).
    reached = _until(lambda: len(emu.ledger) == 2 and emu.request_counts.get("get_flow", 0) >= 2)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=60)
    assert reached
    assert child.returncode == 130, out + err
    assert "2 flow(s) in flight left running" in err
    assert "Traceback" not in err
    rows = _csv(tmp_path / "out" / "summary.csv")
    assert [r["state"] for r in rows] == ["interrupted", "interrupted"]
    assert {e.state for e in emu.ledger} <= {"starting", "running"}
    child = _start(subprocess_env, *args)
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0, out + err
    assert len(emu.ledger) == 4  # the two kept flows adopted, then two optimisations
    assert [r["state"] for r in _csv(tmp_path / "out" / "summary.csv")] == ["completed"] * 2


def _report(job: int | None, running: int, done: int, failed: int, saving: int = 0) -> object:
    from generio import BatchProgress

    queued = 2 - running - saving - done - failed
    remaining = None if not done + failed else 1.5
    return BatchProgress(2, queued, running, done, failed, 1.0, remaining, job, saving)


def test_batch_bar_plain_lines_and_timing(capsys: pytest.CaptureFixture[str]) -> None:
    """Off a terminal: one line per job that ends, with the counts; each job is timed."""
    from generio._cli._batch_bar import BatchBar

    with BatchBar(2) as bar:
        for report in (
            _report(None, 0, 0, 0),
            _report(0, 1, 0, 0),
            _report(1, 2, 0, 0),
            _report(1, 1, 0, 1),
            _report(0, 0, 1, 1),
        ):
            bar(report)  # type: ignore[arg-type]
    lines = capsys.readouterr().err.splitlines()
    assert lines == [
        "batch: 1/2 ended (1 running, 0 queued, 1 failed), ~0:00:02 left",
        "batch: 2/2 ended (0 running, 0 queued, 1 failed), ~0:00:02 left",
    ]
    assert sorted(bar.seconds) == [0, 1]
    assert all(seconds >= 0 for seconds in bar.seconds.values())


def test_batch_bar_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a terminal: one live bar whose count follows the jobs that ended."""
    from rich.console import Console

    from generio._cli._batch_bar import BatchBar

    monkeypatch.setattr(Console, "is_terminal", property(lambda _self: True))
    with BatchBar(2) as bar:
        bar(_report(0, 1, 0, 0))  # type: ignore[arg-type]
        bar(_report(0, 0, 1, 0))  # type: ignore[arg-type]
        assert bar._progress is not None
        (task,) = bar._progress.tasks
        assert (task.completed, task.total) == (1, 2)
        assert task.fields["counts"] == "0 running, 1 queued"
        assert task.fields["left"] == "~0:00:02 left"
        bar(_report(1, 0, 1, 0, saving=1))  # type: ignore[arg-type]
        assert task.fields["counts"] == "0 running, 1 saving, 0 queued"
