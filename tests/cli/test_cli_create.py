"""`generio flows create`: a flow from the shell, its id alone on stdout."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from generio import Flows, Generio
from generio.testing import Emulator
from tests.helpers.cli import IMAGE_TEMPLATE, PROMPT_TEMPLATE, SLOW_FLOW_SECONDS, Cli


def test_create_without_inputs_leaves_the_flow_created(
    cli: Cli, sync_client: Generio, emu: Emulator
) -> None:
    """No INPUT: the flow stays 'created'; stdout is its id alone, the next steps on stderr."""
    result = cli("flows", "create", IMAGE_TEMPLATE)
    assert result.exit_code == 0
    (entry,) = emu.ledger
    assert result.stdout == f"{entry.flow_id}\n"
    assert sync_client.flows.get(entry.flow_id).state == "created"
    assert f"generio flows upload {entry.flow_id} INPUT..." in result.stderr
    assert f"generio flows start {entry.flow_id}" in result.stderr


def test_created_flow_is_filled_started_and_finished_by_id(cli: Cli, png: Path) -> None:
    """The id `create` prints is what upload, start and wait take: the whole path from a shell."""
    flow_id = cli("flows", "create", IMAGE_TEMPLATE, "-p", "seed=7").stdout.strip()
    assert cli("flows", "upload", flow_id, str(png)).exit_code == 0
    assert cli("flows", "start", flow_id).exit_code == 0
    waited = cli("flows", "wait", flow_id, "--json")
    assert waited.exit_code == 0
    data = json.loads(waited.stdout)
    assert data["state"] == "completed"
    assert data["parameters"]["seed"] == 7


def test_create_json_prints_the_flow(cli: Cli, emu: Emulator) -> None:
    """--json prints the created flow as JSON, with its typed parameters and additional data."""
    result = cli(
        "flows", "create", PROMPT_TEMPLATE, "-p", "quality=low", "--additional",
        '{"sku": "L-1", "n": 2}', "--json",
    )  # fmt: skip
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    (entry,) = emu.ledger
    assert data["id"] == entry.flow_id
    assert data["state"] == "created"
    assert data["parameters"]["quality"] == "low"
    assert data["additional"] == {"sku": "L-1", "n": 2}


def test_create_with_inputs_starts_the_flow(cli: Cli, sync_client: Generio, emu: Emulator) -> None:
    """With an INPUT the flow starts by itself; stdout is still the id alone."""
    emu.flow_seconds = SLOW_FLOW_SECONDS
    result = cli("flows", "create", PROMPT_TEMPLATE, "a stool")
    assert result.exit_code == 0
    flow_id = result.stdout.strip()
    assert sync_client.flows.get(flow_id).state in ("starting", "running")
    assert f"generio flows wait {flow_id}" in result.stderr


def test_create_refuses_additional_that_is_not_json(cli: Cli, emu: Emulator) -> None:
    """--additional that is not JSON is a usage error naming the flag; nothing is created."""
    result = cli("flows", "create", PROMPT_TEMPLATE, "--additional", "{sku: 1}")
    assert result.exit_code == 2
    assert "--additional" in result.stderr
    assert "not JSON" in result.stderr
    assert emu.ledger == []


def test_create_refuses_an_unknown_parameter(cli: Cli, emu: Emulator) -> None:
    """-p with a name the template lacks is exit 2, listing the names it has."""
    result = cli("flows", "create", PROMPT_TEMPLATE, "-p", "colour=red")
    assert result.exit_code == 2
    assert "quality, seed, texture" in result.stderr
    assert emu.ledger == []


@pytest.fixture
def create_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Record the keyword arguments of each sync_client.flows.create call, then make it for real.

    A client that predates ``idempotency_key`` gets the call without it, so what is checked
    here is only what the CLI passes on.
    """
    calls: list[dict[str, Any]] = []
    real = Flows.create
    supported = "idempotency_key" in real.__code__.co_varnames

    def recording(self: Flows, template: Any, **kwargs: Any) -> Any:
        calls.append(dict(kwargs))
        if not supported:
            kwargs.pop("idempotency_key", None)
        return real(self, template, **kwargs)

    monkeypatch.setattr(Flows, "create", recording)
    return calls


def test_idempotency_key_is_passed_on(cli: Cli, create_calls: list[dict[str, Any]]) -> None:
    """--idempotency-key reaches sync_client.flows.create as idempotency_key."""
    result = cli("flows", "create", PROMPT_TEMPLATE, "--idempotency-key", "order-17")
    assert result.exit_code == 0
    (call,) = create_calls
    assert call["idempotency_key"] == "order-17"


def test_no_idempotency_key_passes_none(cli: Cli, create_calls: list[dict[str, Any]]) -> None:
    """Without --idempotency-key the keyword is not passed at all (older clients lack it)."""
    assert cli("flows", "create", PROMPT_TEMPLATE).exit_code == 0
    (call,) = create_calls
    assert "idempotency_key" not in call
