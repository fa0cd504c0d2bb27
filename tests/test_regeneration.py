"""An API change reaches applications by regenerating the client, with no edit to the facade.

The test changes a copy of the spec as a new release of the API would: every path under
``/v1``, an optional query parameter on ``GET /flows``, a new field on flows. It regenerates
the low-level client from it with the pinned generator into a temporary package, then runs
an application in a child process whose ``sys.path`` finds that package first and the
unchanged ``generio/`` of this checkout. The service is the emulator behind a proxy that
serves it under ``/v1`` and adds the new field, recording every request as it came.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import generio
from generio.testing import Emulator
from tests.helpers.facade import PROMPT_TEMPLATE
from tests.helpers.variant_dialects import added_field
from tests.helpers.variant_server import VariantServer

ROOT = Path(__file__).parent.parent
BASE = "/v1"

APPLICATION = textwrap.dedent(
    """
    import json
    import sys

    sys.path.insert(0, sys.argv[1])  # the regenerated generio_api before the installed one
    import generio_api

    import generio
    from generio import Generio

    api_key, base_url, template, out = sys.argv[2:6]
    with Generio(api_key, base_url) as client:
        result = client.run(template, "a chair", out_dir=out)
        listed = client.flows.list(query={"tag": "chairs"})
        again = client.flows.get(result.flow.id)
    print(json.dumps({
        "generio_api": generio_api.__file__,
        "generio": generio.__file__,
        "files": [p.name for p in result.paths],
        "priority": again.raw["priority"],
        "listed": [(f.id, f.raw.get("priority")) for f in listed],
    }))
    """
)


def _changed_spec(spec: dict[str, object]) -> dict[str, object]:
    """Change the spec as a new API release would: /v1, a query parameter, a flow field."""
    paths = spec["paths"]
    assert isinstance(paths, dict)
    listing = paths["/flows"]["get"]
    listing["parameters"].append(
        {
            "name": "tag",
            "in": "query",
            "required": False,
            "schema": {"type": "string", "description": "Only flows with this tag."},
        }
    )
    flow = spec["components"]["schemas"]["Flow"]  # type: ignore[index]
    flow["properties"]["priority"] = {"type": "integer", "description": "The queue priority."}
    spec["paths"] = {BASE + path: item for path, item in paths.items()}
    return spec


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Regenerate generio_api from the changed spec with the pinned generator; its folder."""
    work = tmp_path_factory.mktemp("regenerated")
    spec = work / "openapi.json"
    original = json.loads((ROOT / "openapi.json").read_text(encoding="utf-8"))
    spec.write_text(json.dumps(_changed_spec(original), indent=2), encoding="utf-8")
    # The generator and the ruff its post-hooks run: beside this Python, or in their own
    # virtualenv (nox -s tests_deps on the newest httpx and typer, which the generator caps).
    tools = Path(os.environ.get("GENERIO_GENERATOR_BIN") or Path(sys.executable).parent)
    env = {**os.environ, "PATH": f"{tools}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(
        [
            str(tools / "openapi-python-client"),
            "generate",
            "--path",
            str(spec),
            "--meta",
            "none",
            "--output-path",
            str(work / "generio_api"),
            "--overwrite",
            "--fail-on-warning",
            "--config",
            str(ROOT / "openapi-python-client.yaml"),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=work,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    listing = (work / "generio_api" / "api" / "flows" / "list_flows.py").read_text()
    assert '"/v1/flows"' in listing
    assert "tag" in listing
    return work


@pytest.fixture
def served(emu: Emulator) -> Iterator[VariantServer]:
    """Serve the emulator under /v1, adding the new field to every flow it answers."""
    with VariantServer(emu, "", prefix=BASE, extra=(added_field("flow", "priority", 7),)) as proxy:
        yield proxy


def test_regenerated_client_reaches_the_facade_unchanged(
    regenerated: Path, served: VariantServer, emu: Emulator, tmp_path: Path
) -> None:
    """After regenerating, run(), flows.list(query=) and .raw use /v1, ?tag= and the new field."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            APPLICATION,
            str(regenerated),
            emu.api_key,
            served.base_url,
            PROMPT_TEMPLATE,
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "GENERIO_NO_DELAYS": "1"},
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    # The regenerated client was used, under the very facade of this checkout.
    assert Path(seen["generio_api"]).is_relative_to(regenerated)
    assert Path(seen["generio"]).parent == Path(generio.__file__).parent
    # Every request went to the new paths; the new parameter was sent; the new field read.
    targets = served.targets
    assert targets
    assert all(target.startswith(f"{BASE}/") for _, target in targets), targets
    assert ("POST", f"{BASE}/flows") in targets
    assert ("GET", f"{BASE}/flows?tag=chairs") in targets
    assert any(t.startswith(f"{BASE}/flows/") and "/outputs/" in t for _, t in targets)
    assert seen["priority"] == 7
    flow_id = emu.ledger[0].flow_id
    assert [flow_id, 7] in seen["listed"]
    assert seen["files"]
    assert (tmp_path / "out" / seen["files"][0]).stat().st_size > 0
