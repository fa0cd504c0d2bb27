"""`generio run`: inputs, typed -p parameters, outputs saved, progress, failures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generio import Generio
from generio.testing import Emulator
from tests.helpers.cli import (
    IMAGE_TEMPLATE,
    PROMPT_TEMPLATE,
    SLOW_FLOW_SECONDS,
    TEMPLATES,
    Cli,
    is_glb,
)


def test_run_prompt_saves_glb_and_prints_path(cli: Cli, emu: Emulator, tmp_path: Path) -> None:
    """A prompt run exits 0, saves a GLB in -o DIR and prints its path."""
    result = cli("run", PROMPT_TEMPLATE, "a wooden chair", "-o", str(tmp_path))
    assert result.exit_code == 0
    (saved,) = tmp_path.glob("*.glb")
    assert is_glb(saved)
    (entry,) = emu.ledger
    assert result.stdout.splitlines() == [f"flow {entry.flow_id} completed", f"saved {saved}"]


def test_run_shows_progress_with_state(cli: Cli, tmp_path: Path) -> None:
    """The progress display (stderr) names the flow and ends with its final state."""
    result = cli("run", PROMPT_TEMPLATE, "a lamp", "-o", str(tmp_path))
    assert result.exit_code == 0
    assert "Ctrl-C aborts it" in result.stderr
    assert PROMPT_TEMPLATE in result.stderr
    assert "100%" in result.stderr
    assert "completed" in result.stderr


def test_run_json(cli: Cli, tmp_path: Path) -> None:
    """--json prints one JSON object (flow, outputs, paths) and nothing else on stdout."""
    result = cli("run", PROMPT_TEMPLATE, "a stool", "-o", str(tmp_path), "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["flow"]["state"] == "completed"
    assert data["flow"]["template"] == PROMPT_TEMPLATE
    assert len(data["outputs"]) == len(data["paths"]) == 1
    assert is_glb(Path(data["paths"][0]))


def test_parameters_are_typed_by_the_template(cli: Cli, emu: Emulator, tmp_path: Path) -> None:
    """-p values become the template's types: integers, booleans, allowed strings."""
    result = cli(
        "run", PROMPT_TEMPLATE, "a vase", "-p", "seed=42", "-p", "texture=false",
        "-p", "quality=low", "-o", str(tmp_path),
    )  # fmt: skip
    assert result.exit_code == 0
    (entry,) = emu.ledger
    assert entry.parameters == {"seed": 42, "texture": False, "quality": "low"}


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        ("sed=42", "has no parameter 'sed'; its parameters: quality, seed, texture"),
        ("seed=4.2", "seed takes an integer"),
        ("texture=maybe", "texture takes true or false"),
        ("quality=ultra", "quality must be one of low, high"),
        ("seed", "expected NAME=VALUE"),
    ],
)
def test_bad_parameter_is_a_usage_error(
    cli: Cli, emu: Emulator, option: str, expected: str
) -> None:
    """A bad -p exits 2 with one line naming what is allowed; no flow is created."""
    result = cli("run", PROMPT_TEMPLATE, "a desk", "-p", option)
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith("generio: error: ")
    assert expected in line
    assert emu.ledger == []


def test_unknown_template_creates_nothing(cli: Cli, emu: Emulator) -> None:
    """`run` with an unknown template exits 2, lists the templates, creates no flow."""
    result = cli("run", "model_fromdreams", "a cloud")
    assert result.exit_code == 2
    assert all(name in result.stderr for name in TEMPLATES)
    assert emu.ledger == []


def test_missing_file_for_a_file_template(cli: Cli, emu: Emulator, tmp_path: Path) -> None:
    """A path that does not exist, given to a template that takes files: 'no such file', 2."""
    result = cli("run", IMAGE_TEMPLATE, str(tmp_path / "chair.png"))
    assert result.exit_code == 2
    assert "no such file" in result.stderr
    assert "image/png" in result.stderr
    assert emu.ledger == []


def test_existing_path_is_a_file(cli: Cli, sync_client: Generio, png: Path, tmp_path: Path) -> None:
    """An INPUT naming an existing file is uploaded as that file (its MIME type detected)."""
    result = cli("run", IMAGE_TEMPLATE, str(png), "-o", str(tmp_path / "out"), "--json")
    assert result.exit_code == 0
    flow_id = json.loads(result.stdout)["flow"]["id"]
    (sent,) = sync_client.flows.inputs(flow_id, include_data=True)
    assert sent.mime_type == "image/png"
    assert sent.data == png.read_bytes()


def test_word_naming_no_file_is_a_prompt(
    cli: Cli, sync_client: Generio, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """For a prompt template, a word that names no file is sent as the prompt itself."""
    monkeypatch.chdir(tmp_path)
    result = cli("run", PROMPT_TEMPLATE, "chair.png", "--json")
    assert result.exit_code == 0
    flow_id = json.loads(result.stdout)["flow"]["id"]
    (sent,) = sync_client.flows.inputs(flow_id, include_data=True)
    assert sent.mime_type == "text/plain"
    assert sent.data == b"chair.png"


def test_unusable_input_is_a_usage_error(cli: Cli, emu: Emulator, png: Path) -> None:
    """An input the template refuses (an image for a prompt template) exits 2 (InputError)."""
    result = cli("run", PROMPT_TEMPLATE, str(png))
    assert result.exit_code == 2
    assert "does not accept" in result.stderr
    assert emu.ledger == []


def test_no_wait_prints_flow_and_returns(
    cli: Cli, emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--no-wait prints only the flow id on stdout, how to follow it on stderr, saves nothing."""
    emu.flow_seconds = SLOW_FLOW_SECONDS
    monkeypatch.chdir(tmp_path)
    result = cli("run", PROMPT_TEMPLATE, "a shelf", "--no-wait")
    assert result.exit_code == 0
    (entry,) = emu.ledger
    assert result.stdout == f"{entry.flow_id}\n"
    assert f"generio flows wait {entry.flow_id}" in result.stderr
    assert entry.state in ("starting", "running")
    assert list(tmp_path.iterdir()) == []


def test_no_wait_json(cli: Cli, emu: Emulator) -> None:
    """--no-wait --json prints the created flow as JSON."""
    emu.flow_seconds = SLOW_FLOW_SECONDS
    result = cli("run", PROMPT_TEMPLATE, "a bench", "--no-wait", "--json")
    assert result.exit_code == 0
    (entry,) = emu.ledger
    assert json.loads(result.stdout)["flow"]["id"] == entry.flow_id


def test_failed_flow_exits_1(cli: Cli, emu: Emulator, tmp_path: Path) -> None:
    """A flow that ends failed exits 1 with one line saying so and how to get partials."""
    emu.add_fault("fail_flow", "create_flow")
    result = cli("run", PROMPT_TEMPLATE, "a broken chair", "-o", str(tmp_path))
    assert result.exit_code == 1
    (entry,) = emu.ledger
    error = result.stderr.splitlines()[-1]
    assert error.startswith(f"generio: error: flow {entry.flow_id} ended failed")
    assert "Traceback" not in result.output


def test_failed_flow_json_still_reports_the_flow(cli: Cli, emu: Emulator) -> None:
    """With --json, a failed flow is still printed as JSON (state failed), exit 1."""
    emu.add_fault("fail_flow", "create_flow")
    result = cli("run", PROMPT_TEMPLATE, "a broken lamp", "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["flow"]["state"] == "failed"
    assert data["paths"] == []


def test_wait_timeout_exits_1_and_leaves_flow_running(cli: Cli, emu: Emulator) -> None:
    """--wait-timeout passing exits 1, says the flow keeps running, and does not abort it."""
    emu.flow_seconds = SLOW_FLOW_SECONDS
    result = cli("run", PROMPT_TEMPLATE, "a slow table", "--wait-timeout", "0")
    assert result.exit_code == 1
    (entry,) = emu.ledger
    assert "keeps running" in result.stderr
    assert f"generio flows abort {entry.flow_id}" in result.stderr
    assert entry.state in ("starting", "running")


def test_missing_argument_is_typer_usage_error(cli: Cli) -> None:
    """Parse errors (no INPUT) are typer's usage errors: exit 2."""
    result = cli("run", PROMPT_TEMPLATE)
    assert result.exit_code == 2
    assert "Missing argument" in result.stderr
