"""Conformance to the committed openapi.json: schemathesis, and the operation table."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from generio.testing import OPERATION_IDS, Emulator
from generio.testing._routing import operation_for

SPEC = Path(__file__).resolve().parents[2] / "openapi.json"
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
]


#: schemathesis's example, coverage and fuzzing phases, in runs of 2-5 s of CPU each (about 2 s
#: of it schemathesis's start-up), so no one test takes long: create_flow (the largest request
#: body) has its phases split over two runs, upload_input and list_flows run alone, the other
#: operations two or three together.
#: Together the runs give every operation of the spec every phase (checked below). One more
#: run chains them all (the stateful phase).
PHASES = ("examples", "coverage", "fuzzing")
RUNS = [
    (("create_flow",), ("examples", "coverage")),
    (("create_flow",), ("fuzzing",)),
    (("upload_input",), PHASES),
    (("list_templates", "get_template"), PHASES),
    (("list_inputs", "get_input"), PHASES),
    (("list_flows",), PHASES),
    (("get_flow", "update_flow"), PHASES),
    (("delete_flow", "list_outputs", "get_output"), PHASES),
]


def _schemathesis(tmp_path: Path, phases: str, operations: tuple[str, ...]) -> str:
    """Run schemathesis's CLI on an emulator; return its report, having checked it passed."""
    with Emulator(flow_seconds=0.05, api_key="conformance") as emulator:
        command = [sys.executable, "-m", "schemathesis.cli", "run", str(SPEC)]
        command += ["--url", emulator.base_url, "-H", "Authorization: Bearer conformance"]
        command += ["--checks", ",".join(CHECKS), "--max-examples", "30", "--seed", "1"]
        command += [f"--phases={phases}"]
        command += [f"--include-operation-id={operation}" for operation in operations]
        # One worker: CPython 3.11's ast.parse is not thread-safe, and hypothesis calls it
        # to describe filters, so concurrent workers fail now and then inside schemathesis.
        command += ["--workers", "1", "--generation-database", "none"]
        result = subprocess.run(
            command, capture_output=True, text=True, check=False, cwd=tmp_path, timeout=120
        )
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
    assert f"{len(operations)} selected / 12 total" in result.stdout
    return result.stdout


def _run_id(operations: tuple[str, ...], phases: tuple[str, ...]) -> str:
    more = "..." if len(operations) > 1 else ""
    return f"{operations[0]}{more}-{'all' if phases == PHASES else '+'.join(phases)}"


@pytest.mark.parametrize(("operations", "phases"), RUNS, ids=[_run_id(*run) for run in RUNS])
def test_schemathesis_finds_every_response_conforming(
    operations: tuple[str, ...], phases: tuple[str, ...], tmp_path: Path
) -> None:
    """Generated requests against each operation get spec-valid answers and no 5xx."""
    report = _schemathesis(tmp_path, ",".join(phases), operations)
    for phase in phases:
        assert f"{phase.capitalize()} (in" in report, phase


@pytest.mark.serial  # the stateful phase chains all twelve operations: seconds of CPU
def test_schemathesis_chains_every_operation_conforming(tmp_path: Path) -> None:
    """Sequences that follow the spec's links (create, then get, update...) conform too."""
    report = _schemathesis(tmp_path, "stateful", tuple(OPERATION_IDS))
    assert "Stateful (in" in report


def test_the_schemathesis_runs_cover_every_operation() -> None:
    """The runs above together give each operation of the spec each phase once."""
    covered = sorted((op, phase) for ops, phases in RUNS for op in ops for phase in phases)
    assert covered == sorted((op, phase) for op in OPERATION_IDS for phase in PHASES)


def test_the_operation_table_matches_the_spec() -> None:
    """The emulator's method-and-path table names every operation of the spec, and only those."""
    spec = json.loads(SPEC.read_text())
    found = {}
    for path, methods in spec["paths"].items():
        concrete = path.replace("{flow_id}", "f1").replace("{asset_id}", "a1")
        concrete = concrete.replace("{template_id}", "t1")
        for method, operation in methods.items():
            found[operation["operationId"]] = operation_for(method.upper(), concrete)
    assert found == {op: op for op in OPERATION_IDS}
    assert operation_for("GET", "/flows/") is None
    assert operation_for("PUT", "/flows") is None
    assert operation_for("GET", "/flows/f1/outputs/a1/extra") is None
