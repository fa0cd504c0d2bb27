"""Helpers of the emulator's tests: data URIs and a thin client over plain httpx."""

from __future__ import annotations

import base64
import time
from typing import Any

import httpx

from generio.testing import Emulator

FLOW_SECONDS = 0.2
TERMINAL = {"completed", "aborted", "failed"}


def data_uri(mime: str, payload: bytes) -> str:
    """Encode bytes as the data URI the API expects."""
    return f"data:{mime};base64,{base64.b64encode(payload).decode()}"


def decode_data_uri(uri: str) -> bytes:
    """Decode a data URI the emulator sent."""
    header, _, payload = uri.partition(",")
    assert header.endswith(";base64")
    return base64.b64decode(payload, validate=True)


class Api:
    """A thin helper over an httpx client authenticated for one emulator."""

    def __init__(self, client: httpx.Client, emulator: Emulator) -> None:
        self.client = client
        self.emulator = emulator

    def create(
        self,
        template: str = "model_generate_fromprompt",
        inputs: list[dict[str, Any]] | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """Create a flow and return its JSON, failing the test on a non-200."""
        body: dict[str, Any] = {"template": template, **fields}
        if inputs is not None:
            body["inputs"] = inputs
        response = self.client.post("/flows", json=body)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def listed(self, first: str = "/flows") -> list[dict[str, Any]]:
        """Every flow of a listing, following its pages' next links."""
        flows: list[dict[str, Any]] = []
        link: str | None = first
        while link is not None:
            body = self.client.get(link).json()
            flows += body["flows"]
            link = body.get("next")
        return flows

    def flow(self, flow_id: str) -> dict[str, Any]:
        """Read a flow, failing the test on a non-200."""
        response = self.client.get(f"/flows/{flow_id}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def wait(
        self, flow_id: str, states: set[str] | None = None, timeout: float = 5.0
    ) -> dict[str, Any]:
        """Poll until the flow is in one of ``states`` (terminal by default)."""
        wanted = states or TERMINAL
        deadline = time.monotonic() + timeout
        while True:
            flow = self.flow(flow_id)
            if flow["state"] in wanted:
                return flow
            assert time.monotonic() < deadline, f"flow stuck in {flow['state']}"
            time.sleep(0.01)

    def patch(self, flow_id: str, action: str) -> httpx.Response:
        """Send a start or abort action."""
        return self.client.patch(f"/flows/{flow_id}", json={"action": action})


def emulator_outputs(emu: Emulator, flow_id: str) -> list[bytes]:
    """Read the emulator's own bytes of each output of a finished flow, in its order.

    Read over plain httpx (no facade), decoded from the output's data URI: the reference a
    model the client saved or returned must equal byte for byte.
    """
    headers = {"Authorization": f"Bearer {emu.api_key}"}
    with httpx.Client(base_url=emu.base_url, headers=headers, timeout=30.0) as http:
        listed = http.get(f"/flows/{flow_id}/outputs")
        assert listed.status_code == 200, listed.text
        found = []
        for output in listed.json()["outputs"]:
            one = http.get(f"/flows/{flow_id}/outputs/{output['asset_id']}")
            assert one.status_code == 200, one.text
            found.append(decode_data_uri(one.json()["data"]))
    assert found, f"flow {flow_id} has no outputs to compare with"
    return found


def fired(emu: Emulator) -> list[tuple[str, str]]:
    """List ``(fault kind, operation)`` of every fault the emulator fired, in order."""
    return [(record.kind.value, record.operation) for record in emu.fault_log]


def finished_output(emu: Emulator, size: int) -> tuple[str, str, bytes]:
    """Make a finished flow with one output of about ``size`` bytes: its ids and its bytes.

    A ``model_optimize`` flow of a padded sample model (kept as it is: within the polygon
    budget), so the output is as large as asked.
    """
    from generio import Generio
    from generio.testing import sample_glb

    with Generio(emu.api_key, emu.base_url) as client:
        flow = client.flows.create("model_optimize", inputs=[sample_glb(size)])
        client.flows.wait(flow.id)
        (output,) = client.flows.outputs(flow.id)
    (expected,) = emulator_outputs(emu, flow.id)
    return flow.id, output.id, expected
