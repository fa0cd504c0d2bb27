"""A batch process killed with SIGKILL, at several moments, then run again: nothing bought twice.

The child runs a keyed, chained batch (generate, then optimise) with ``on_interrupt="keep"``.
It is killed when the emulator's ledger shows a chosen moment (a first create; a job between
its two steps; every optimise created), then started again until it finishes. The ledger
must show each step of each job billed exactly once, every flow completed, and every job's
output on disk.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from generio import IDEMPOTENCY_FIELD
from generio.testing import Emulator, LedgerEntry
from tests.helpers.emulator import emulator_outputs

CHILD = Path(__file__).with_name("batch_child.py")
COUNT = 5
OPTIMIZE = "model_optimize"

Moment = Callable[[list[LedgerEntry]], bool]


def _optimised(entries: list[LedgerEntry]) -> int:
    return sum(e.template == OPTIMIZE for e in entries)


def _mid_chain(entries: list[LedgerEntry]) -> bool:
    """Tell whether some job has its first step's flow and not yet its second."""
    second = _optimised(entries)
    return 0 < second < COUNT and len(entries) - second > second


MOMENTS: dict[str, Moment] = {
    "first-create": lambda entries: len(entries) >= 1,
    "mid-chain": _mid_chain,
    "all-optimising": lambda entries: _optimised(entries) == COUNT,
}


def _until(condition: Callable[[], bool], seconds: float = 60.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def _start(env: dict[str, str], out: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(CHILD), str(out), str(COUNT), *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def child_env(emu: Emulator) -> dict[str, str]:
    """Build the environment of a child process aimed at the emulator."""
    emu.flow_seconds = 0.6
    return {
        **os.environ,
        "GENERIO_API_KEY": emu.api_key,
        "GENERIO_BASE_URL": emu.base_url,
        "PYTHONUNBUFFERED": "1",
    }


@pytest.mark.parametrize(
    "kills",
    [["first-create"], ["mid-chain"], ["all-optimising"], ["first-create", "mid-chain"]],
    ids="+".join,
)
def test_killed_batch_resumes_without_buying_twice(
    emu: Emulator, child_env: dict[str, str], tmp_path: Path, kills: list[str]
) -> None:
    """SIGKILL at each moment, then a re-run: each step of each job billed exactly once."""
    out = tmp_path / "out"
    for moment in kills:
        child = _start(child_env, out)
        reached = _until(lambda m=moment: MOMENTS[m](emu.ledger))  # type: ignore[misc]
        child.kill()  # SIGKILL: no clean-up of any kind
        child.communicate()
        assert reached, f"the batch never reached {moment}"
        assert child.returncode == -9
    child = _start(child_env, out)
    stdout, stderr = child.communicate(timeout=120)
    assert child.returncode == 0, stdout + stderr
    assert stdout.splitlines()[-1] == "done"
    entries = emu.ledger
    keys = sorted(e.additional[IDEMPOTENCY_FIELD]["key"] for e in entries)
    expected = sorted(
        k for i in range(COUNT) for k in (f"catalogue/sku-{i}", f"catalogue/sku-{i}/then/1")
    )
    assert keys == expected  # each step of each job exactly once
    assert {e.state for e in entries} == {"completed"}
    for i in range(COUNT):
        files = [p for p in (out / f"sku-{i}").iterdir() if not p.name.startswith(".")]
        assert [p.suffix for p in files] == [".glb"]
    by_key = {e.additional[IDEMPOTENCY_FIELD]["key"]: e.flow_id for e in entries}
    for i in range(COUNT):  # each saved model is the last step's output, byte for byte
        (saved,) = [p for p in (out / f"sku-{i}").iterdir() if not p.name.startswith(".")]
        assert [saved.read_bytes()] == emulator_outputs(emu, by_key[f"catalogue/sku-{i}/then/1"])
    # The final run reports every job with the flows of both its steps.
    reported = {int(line.split()[0]): line.split()[1:] for line in stdout.splitlines()[:-2]}
    assert reported == {
        i: [by_key[f"catalogue/sku-{i}"], by_key[f"catalogue/sku-{i}/then/1"]] for i in range(COUNT)
    }


@pytest.mark.parametrize("moment", ["mid-chain", "all-optimising"])
def test_a_journaled_batch_killed_resumes_with_at_most_one_listing(
    emu: Emulator, child_env: dict[str, str], tmp_path: Path, moment: str
) -> None:
    """SIGKILL, then a re-run with the journal: nothing bought twice, one listing at most."""
    out, journal = tmp_path / "out", tmp_path / "out" / "batch.journal.jsonl"
    child = _start(child_env, out, str(journal))
    reached = _until(lambda: MOMENTS[moment](emu.ledger))
    child.kill()
    child.communicate()
    assert reached, f"the batch never reached {moment}"
    assert journal.exists()
    child = _start(child_env, out, str(journal))
    stdout, stderr = child.communicate(timeout=120)
    assert child.returncode == 0, stdout + stderr
    lines = stdout.splitlines()
    assert lines[-1] == "done"
    # Keys with a recorded flow need no lookup; the rest share one read of the listing.
    assert int(lines[-2].split()[1]) <= 1
    keys = sorted(e.additional[IDEMPOTENCY_FIELD]["key"] for e in emu.ledger)
    assert keys == sorted(
        k for i in range(COUNT) for k in (f"catalogue/sku-{i}", f"catalogue/sku-{i}/then/1")
    )
    assert {e.state for e in emu.ledger} == {"completed"}
