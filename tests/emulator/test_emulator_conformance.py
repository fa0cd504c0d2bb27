"""Conformance to the committed openapi.json: schemathesis, and the operation table."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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


def test_schemathesis_finds_every_response_conforming(tmp_path: Path) -> None:
    """Generated requests against every operation get spec-valid answers and no 5xx."""
    with Emulator(flow_seconds=0.05, api_key="conformance") as emulator:
        command = [sys.executable, "-m", "schemathesis.cli", "run", str(SPEC)]
        command += ["--url", emulator.base_url, "-H", "Authorization: Bearer conformance"]
        command += ["--checks", ",".join(CHECKS), "--max-examples", "30", "--seed", "1"]
        # One worker: CPython 3.11's ast.parse is not thread-safe, and hypothesis calls it
        # to describe filters, so concurrent workers fail now and then inside schemathesis.
        command += ["--workers", "1", "--generation-database", "none"]
        result = subprocess.run(
            command, capture_output=True, text=True, check=False, cwd=tmp_path, timeout=120
        )
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
    assert "12 selected / 12 total" in result.stdout


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
