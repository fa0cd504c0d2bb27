"""`generio flows ...`: list, get, start, abort, delete, wait, download, upload."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import Result

from generio import Generio
from generio.testing import Emulator
from tests.helpers.cli import IMAGE_TEMPLATE, PROMPT_TEMPLATE, Cli, is_glb
from tests.helpers.clock import EmulatorClock


def _run(sync_client: Generio, prompt: str) -> str:
    return sync_client.run(PROMPT_TEMPLATE, prompt).flow.id


def test_list_human_and_json(cli: Cli, sync_client: Generio) -> None:
    """`flows list` shows an aligned table; --json the same flows as objects."""
    ids = {_run(sync_client, "a cup"), _run(sync_client, "a mug")}
    table = cli("flows", "list")
    assert table.exit_code == 0
    header, *rows = table.stdout.splitlines()
    assert header.split() == ["ID", "TEMPLATE", "STATE", "PROGRESS", "CREATED"]
    assert {row.split()[0] for row in rows} == ids
    assert all(row.split()[1:4] == [PROMPT_TEMPLATE, "completed", "100%"] for row in rows)
    listed = json.loads(cli("flows", "list", "--json").stdout)
    assert {flow["id"] for flow in listed} == ids


def test_list_filters_by_state_and_sorts(cli: Cli, sync_client: Generio) -> None:
    """--state keeps only flows in that state; --sort-by is accepted."""
    _run(sync_client, "a plate")
    completed = cli("flows", "list", "--state", "completed", "--sort-by", "progress", "--json")
    assert completed.exit_code == 0
    assert len(json.loads(completed.stdout)) == 1
    failed = cli("flows", "list", "--state", "failed")
    assert failed.exit_code == 0
    assert failed.stdout.strip() == "no flows"


def test_bad_state_is_a_usage_error(cli: Cli) -> None:
    """A --state that is not a state exits 2 and lists the states."""
    result = cli("flows", "list", "--state", "sleeping")
    assert result.exit_code == 2
    assert "completed" in result.stderr
    assert "aborted" in result.stderr


def test_get_human_and_json(cli: Cli, sync_client: Generio) -> None:
    """`flows get` shows the fields aligned; --json the flow object."""
    flow_id = sync_client.run(PROMPT_TEMPLATE, "a fork", parameters={"seed": 3}).flow.id
    result = cli("flows", "get", flow_id)
    assert result.exit_code == 0
    fields = dict(line.split(maxsplit=1) for line in result.stdout.splitlines())
    assert fields["flow"] == flow_id
    assert fields["state"] == "completed (100%)"
    assert "seed=3" in fields["parameters"]
    data = json.loads(cli("flows", "get", flow_id, "--json").stdout)
    assert data["id"] == flow_id
    assert data["parameters"]["seed"] == 3


def test_unknown_flow_exits_3(cli: Cli) -> None:
    """An unknown flow id is an API error (404): exit 3, one line."""
    result = cli("flows", "get", "000000000000000000000000")
    assert result.exit_code == 3
    (line,) = result.stderr.splitlines()
    assert line.startswith("generio: error: GET /flows/000000000000000000000000 failed with")


def test_upload_start_wait_download_delete(
    cli: Cli, sync_client: Generio, png: Path, tmp_path: Path
) -> None:
    """A flow created empty is filled, started, awaited, downloaded and deleted via the CLI."""
    flow_id = sync_client.flows.create(IMAGE_TEMPLATE).id
    uploaded = cli("flows", "upload", flow_id, str(png), "--json")
    assert uploaded.exit_code == 0
    (asset,) = json.loads(uploaded.stdout)
    assert asset["kind"] == "input"
    started = cli("flows", "start", flow_id, "--json")
    assert started.exit_code == 0
    assert json.loads(started.stdout)["state"] in ("starting", "running", "completed")
    waited = cli("flows", "wait", flow_id, "--json")
    assert waited.exit_code == 0
    assert json.loads(waited.stdout)["state"] == "completed"
    out = tmp_path / "models"
    downloaded = cli("flows", "download", flow_id, "-o", str(out))
    assert downloaded.exit_code == 0
    (saved,) = out.glob("*.glb")
    assert is_glb(saved)
    assert downloaded.stdout.strip() == f"saved {saved}"
    deleted = cli("flows", "delete", flow_id)
    assert deleted.exit_code == 0
    assert deleted.stdout.strip() == f"deleted flow {flow_id}"
    assert cli("flows", "get", flow_id).exit_code == 3


def test_upload_missing_file_is_a_usage_error(
    cli: Cli, sync_client: Generio, tmp_path: Path
) -> None:
    """`flows upload` of a file that does not exist exits 2 before any request."""
    flow_id = sync_client.flows.create(IMAGE_TEMPLATE).id
    result = cli("flows", "upload", flow_id, str(tmp_path / "nothing.png"))
    assert result.exit_code == 2
    assert sync_client.flows.inputs(flow_id) == []


def test_abort_then_wait_exits_1(cli: Cli, sync_client: Generio, emu: Emulator) -> None:
    """`flows abort` stops a running flow; waiting for it then ends aborted: exit 1."""
    emu.flow_seconds = 3.0  # long enough to abort; 'aborting' lasts a tenth of it
    flow_id = sync_client.flows.create(PROMPT_TEMPLATE, inputs="a slow kite").id
    aborted = cli("flows", "abort", flow_id, "--json")
    assert aborted.exit_code == 0
    assert json.loads(aborted.stdout)["state"] in ("aborting", "aborted")
    waited = cli("flows", "wait", flow_id)
    assert waited.exit_code == 1
    assert waited.stderr.splitlines()[-1] == f"generio: error: flow {flow_id} ended aborted"


def test_abort_finished_flow_is_a_conflict(cli: Cli, sync_client: Generio) -> None:
    """Aborting a completed flow is refused by the service (409): exit 3."""
    flow_id = _run(sync_client, "a spoon")
    result = cli("flows", "abort", flow_id)
    assert result.exit_code == 3
    assert "409" in result.stderr


def test_wait_for_unstarted_flow_exits_1(cli: Cli, sync_client: Generio) -> None:
    """Waiting for a flow nobody started exits 1 and says how to start it."""
    flow_id = sync_client.flows.create(PROMPT_TEMPLATE).id
    result = cli("flows", "wait", flow_id)
    assert result.exit_code == 1
    assert f"generio flows start {flow_id}" in result.stderr


def test_wait_for_failed_flow_exits_1(cli: Cli, sync_client: Generio, emu: Emulator) -> None:
    """A flow that failed ends flows wait with exit 1 (the flow is still printed)."""
    emu.add_fault("fail_flow", "create_flow")
    flow_id = sync_client.flows.create(PROMPT_TEMPLATE, inputs="a cracked pot").id
    result = cli("flows", "wait", flow_id, "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["state"] == "failed"


@pytest.mark.parametrize("command", ["get", "start", "abort", "delete", "wait", "download"])
def test_every_flow_command_reports_404_as_3(cli: Cli, command: str, tmp_path: Path) -> None:
    """Each flows command turns the service's 404 into exit 3 with one error line."""
    args = ["-o", str(tmp_path)] if command == "download" else []
    result = cli("flows", command, "ffffffffffffffffffffffff", *args)
    assert result.exit_code == 3
    assert result.stderr.splitlines()[-1].startswith("generio: error: ")


def _ids(result: Result) -> list[str]:
    assert result.exit_code == 0, result.output
    return [row.split()[0] for row in result.stdout.splitlines()[1:]]


def test_list_newest_first_with_limit(
    cli: Cli, sync_client: Generio, emu_clock: EmulatorClock
) -> None:
    """`flows list` shows the newest flow first; --limit N the first N; --ascending flips."""
    made = []
    for prompt in ("a cup", "a mug", "a jug"):
        made.append(sync_client.flows.create(PROMPT_TEMPLATE, inputs=prompt).id)
        emu_clock.advance(1.0)
    newest_first = made[::-1]
    assert _ids(cli("flows", "list")) == newest_first
    limited = cli("flows", "list", "--limit", "2")
    assert _ids(limited) == newest_first[:2]
    assert "showing 2 of 3 flows" in limited.stderr
    assert _ids(cli("flows", "list", "--ascending", "-n", "2")) == made[:2]
    as_json = cli("flows", "list", "--json", "--limit", "1")
    assert [flow["id"] for flow in json.loads(as_json.stdout)] == [made[-1]]
    refused = cli("flows", "list", "--limit", "0")
    assert refused.exit_code == 2
    assert "0 is not a whole number of 1 or more" in refused.stderr


def test_list_filters_by_every_state_get_shows(
    cli: Cli, sync_client: Generio, emu: Emulator, emu_clock: EmulatorClock
) -> None:
    """--state starting (which the service does not filter by) lists just the starting flows."""
    created = sync_client.flows.create(PROMPT_TEMPLATE).id
    starting = sync_client.flows.create(PROMPT_TEMPLATE, inputs="a kite").id
    assert cli("flows", "get", starting).stdout.split("\n")[2].split()[1] == "starting"
    assert _ids(cli("flows", "list", "--state", "starting")) == [starting]
    assert _ids(cli("flows", "list", "--state", "created")) == [created]
    emu_clock.advance(emu.flow_seconds * 2)
    assert cli("flows", "list", "--state", "starting").stdout.strip() == "no flows"
    assert _ids(cli("flows", "list", "--state", "completed")) == [starting]


def test_sort_fields_have_one_spelling(cli: Cli, sync_client: Generio) -> None:
    """--sort-by state works; its alias status is not offered (one spelling per field)."""
    sync_client.flows.create(PROMPT_TEMPLATE)
    assert cli("flows", "list", "--sort-by", "state").exit_code == 0
    refused = cli("flows", "list", "--sort-by", "status")
    assert refused.exit_code == 2
    assert "status is not one of: created_at, started_at, finished_at, progress, state" in (
        refused.stderr
    )
    help_text = cli("flows", "list", "--help").stdout
    assert "status" not in help_text


def test_sort_by_progress_furthest_first(
    cli: Cli, sync_client: Generio, emu: Emulator, emu_clock: EmulatorClock
) -> None:
    """--sort-by progress lists the flow furthest along first."""
    emu.flow_seconds = 10.0
    ahead = sync_client.flows.create(PROMPT_TEMPLATE, inputs="an early boat").id
    emu_clock.advance(6.0)
    behind = sync_client.flows.create(PROMPT_TEMPLATE, inputs="a late boat").id  # newer
    emu_clock.advance(1.0)
    assert _ids(cli("flows", "list", "--sort-by", "progress")) == [ahead, behind]
    assert _ids(cli("flows", "list", "--sort-by", "progress", "--ascending")) == [behind, ahead]
