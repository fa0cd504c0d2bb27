"""`generio batch` run twice on a 10,100-flow account: three keyed lines, three flows."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from generio._cli import app
from tests.helpers.big_account import BigAccount, serve

PROMPT = "model_generate_fromprompt"


def _batch(base_url: str, jobs: Path, out: Path) -> int:
    result = CliRunner().invoke(
        app,
        ["--base-url", base_url, "--api-key", "key", "batch", str(jobs), "-o", str(out)],
        env={"GENERIO_API_KEY": None, "GENERIO_BASE_URL": None},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return result.exit_code


def test_batch_twice_on_a_large_account_buys_each_line_once(tmp_path: Path) -> None:
    """Run 1 reads the listing once and journals; run 2 reads each line's flow by id only."""
    account = BigAccount()
    account.prefill(10_100)
    jobs = tmp_path / "jobs.jsonl"
    lines = [{"template": PROMPT, "inputs": f"a stool {i}"} for i in range(2)]
    lines.append({"template": PROMPT, "inputs": "a bench", "idempotency_key": "bench-1"})
    jobs.write_text("".join(json.dumps(line) + "\n" for line in lines))
    out = tmp_path / "out"
    with serve(account):
        _batch(account.base_url, jobs, out)
        assert account.pages() == 101  # one listing (10,100 flows) for the whole batch
        first = [f.flow_id for f in account.ledger]
        account.requests.clear()
        _batch(account.base_url, jobs, out)
    assert [f.flow_id for f in account.ledger] == first
    assert len(first) == 3
    assert account.pages() == 0  # the journal beside the summary names every line's flow
    assert account.count("POST") == 0
    journal = (out / "summary.journal.jsonl").read_text().splitlines()
    assert len([line for line in journal if '"flow"' in line]) == 3
