"""A client learns how long its templates' flows run, and polls a new flow once, not twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from generio import Generio
from generio.testing import Emulator
from tests.helpers.facade import PROMPT_TEMPLATE


@pytest.fixture
def flow_seconds() -> float:
    """Flows long enough that the first look of the default schedule finds them running."""
    return 0.4


pytestmark = pytest.mark.usefixtures("real_polls")


def _polls(emu: Emulator) -> int:
    return emu.request_counts.get("get_flow", 0)


def test_a_second_run_of_a_template_polls_once(client: Generio, emu: Emulator) -> None:
    """After one flow of a template ran, the next run() looks at its flow once, when it is done."""
    client.run(PROMPT_TEMPLATE, "a chair")
    assert _polls(emu) >= 2  # nothing learned yet: an early look, then the estimate
    before = _polls(emu)
    result = client.run(PROMPT_TEMPLATE, "a lamp")
    assert result.flow.state == "completed"
    assert _polls(emu) - before == 1


def test_a_batch_polls_each_flow_once_once_its_template_ran(
    client: Generio, emu: Emulator, tmp_path: Path
) -> None:
    """run_many after a learned run polls every flow once and still saves every output."""
    client.run(PROMPT_TEMPLATE, "a chair")
    before = _polls(emu)
    jobs = [
        {"template": PROMPT_TEMPLATE, "inputs": f"a stool {i}", "out_dir": tmp_path}
        for i in range(4)
    ]
    results = client.run_many(jobs, concurrency=2)
    assert all(r.flow.state == "completed" and r.paths for r in results)
    assert _polls(emu) - before == 4


def test_a_slower_flow_than_learned_still_completes(client: Generio, emu: Emulator) -> None:
    """When a template's flows get slower, a run still ends completed (the look was early)."""
    client.run(PROMPT_TEMPLATE, "a chair")
    emu.flow_seconds = 1.2
    before = _polls(emu)
    result = client.run(PROMPT_TEMPLATE, "a lamp")
    assert result.flow.state == "completed"
    assert _polls(emu) - before >= 2
