"""One memory case in a fresh process: prints the peak RSS above idle, in MB.

Usage: python _memory_worker.py CASE BASE_URL API_KEY ARG
  upload_naive / upload_ours: ARG is the GLB file to create a model_optimize flow from
  download_naive / download_ours: ARG is "FLOW_ID:ASSET_ID:OUT_DIR"
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import httpx

from generio import Generio


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def _reset_peak() -> None:
    # getrusage's ru_maxrss survives fork+exec (it would report the parent's peak); VmHWM is
    # this address space's own peak, and writing 5 to clear_refs resets it to the current RSS.
    Path("/proc/self/clear_refs").write_text("5")


def _peak_mb() -> float:
    return _status_mb("VmHWM")


def main() -> None:
    case, base_url, key, arg = sys.argv[1:5]
    headers = {"Authorization": f"Bearer {key}"}
    timeout = httpx.Timeout(600, connect=10)
    with (
        httpx.Client(base_url=base_url, headers=headers, timeout=timeout) as http,
        Generio(api_key=key, base_url=base_url, timeout=600) as client,
    ):
        client.templates.list()  # warm: connections, imports, template cache
        http.get("/templates").json()
        idle = _status_mb("VmRSS")
        _reset_peak()
        result = ""
        if case == "upload_naive":
            raw = Path(arg).read_bytes()
            uri = "data:model/gltf-binary;base64," + base64.b64encode(raw).decode()
            body = json.dumps({"template": "model_optimize", "inputs": [{"data": uri}]})
            response = http.post(
                "/flows", content=body, headers={"content-type": "application/json"}
            )
            response.raise_for_status()
            result = response.json()["flow_id"]
        elif case == "upload_ours":
            result = client.flows.create("model_optimize", inputs=[Path(arg)]).id
        elif case == "download_naive":
            flow_id, asset_id, out_dir = arg.split(":", 2)
            response = http.get(f"/flows/{flow_id}/outputs/{asset_id}")
            data = response.json()["data"]
            target = Path(out_dir) / "naive.glb"
            target.write_bytes(base64.b64decode(data.split(",", 1)[1]))
            result = str(target)
        elif case == "download_ours":
            flow_id, _, out_dir = arg.split(":", 2)
            (path,) = client.flows.download_outputs(flow_id, out_dir)
            result = str(path)
        else:
            raise SystemExit(f"unknown case {case}")
        print(
            json.dumps(
                {
                    "idle_mb": idle,
                    "peak_mb": _peak_mb(),
                    "above_idle_mb": _peak_mb() - idle,
                    "result": result,
                }
            )
        )


if __name__ == "__main__":
    main()
