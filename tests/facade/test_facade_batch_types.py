"""Typed jobs: mypy --strict refuses a misspelt key in a Job or a Step, accepts good ones."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

import pytest

from tests.helpers.typecheck import run_mypy

pytest.importorskip("mypy", reason="mypy is in the test dependency group")

GOOD = """
from generio import AsyncGenerio, BatchProgress, Generio, Job, RunResult, Step

optimise: Step = {"template": "model_optimize", "parameters": {"polygon_count": 20000}}
jobs: list[Job] = [
    {
        "template": "model_generate_fromprompt",
        "inputs": f"a chair {i}",
        "idempotency_key": f"catalogue/{i}",
        "then": optimise,
        "timeout": 600,
        "on_interrupt": "keep",
    }
    for i in range(3)
]


def show(progress: BatchProgress) -> None:
    print(progress.done, progress.remaining)


with Generio() as client:
    for result in client.run_many(jobs, concurrency=2, on_progress=show):
        if isinstance(result, RunResult):
            print([flow.id for flow in result.steps])
    for index, outcome in client.iter_run_many(jobs):
        print(index, outcome)


async def main() -> None:
    async with AsyncGenerio() as aclient:
        await aclient.run_many([{"template": "model_optimize", "inputs": "x.glb"}])
        async for index, outcome in aclient.iter_run_many(jobs):
            print(index, outcome)
"""

BAD = """
from generio import Generio, Job

jobs: list[Job] = [
    {"template": "model_generate_fromprompt", "inputs": "a", "paramters": {"seed": 1}},
    {"template": "model_optimize", "inputs": "b", "then": {"template": "t", "parameter": 1}},
    {"inputs": "no template"},
]
with Generio() as client:
    client.run_many([{"template": "t", "inputs": "c", "idempotency_kye": "k"}])
    client.run_many(jobs, on_interrupt="stop")
"""


def _mypy(tmp_path: Path, source: str) -> subprocess.CompletedProcess[str]:
    snippet = tmp_path / "snippet.py"
    snippet.write_text(textwrap.dedent(source))
    return run_mypy(["--strict", "--no-error-summary", str(snippet)], tmp_path)


@pytest.mark.serial  # mypy: seconds of CPU when its cache is cold
def test_mypy_refuses_misspelt_job_keys(tmp_path: Path) -> None:
    """Each misspelt or missing key, and a bad on_interrupt, is a mypy --strict error."""
    result = _mypy(tmp_path, BAD)
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    lines = sorted({int(line.split(":")[1]) for line in errors})
    assert lines == [5, 6, 7, 10, 11], result.stdout
    assert 'Extra key "paramters" for TypedDict "Job"' in result.stdout
    assert 'Extra key "idempotency_kye" for TypedDict "Job"' in result.stdout
    assert '"template"' in result.stdout  # the missing required key is named


@pytest.mark.serial  # mypy: seconds of CPU when its cache is cold
def test_mypy_accepts_typed_jobs(tmp_path: Path) -> None:
    """A batch written with Job, Step and BatchProgress passes mypy --strict."""
    result = _mypy(tmp_path, GOOD)
    assert result.returncode == 0, result.stdout + result.stderr
