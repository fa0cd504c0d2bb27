"""The call-overhead row counted in CPU instructions, which a loaded machine does not change.

Usage: python benchmarks/overhead_instructions.py [CALLS]   (needs valgrind; minutes)

Wall-clock ratios swing by tens of percent while other processes share the cores; the
instructions the client process executes do not. Each variant runs in its own process under
``valgrind --tool=callgrind`` (the emulator's child process is not counted): one that only
starts up (0 calls), one making CALLS raw ``httpx`` GET + ``json()``, one making CALLS
``client.flows.get``. Per call = (variant - start-up) / CALLS; the ratio is ours over raw.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

from generio import Generio
from generio.testing import Emulator


def _child(calls: int, which: str) -> None:
    with (
        Emulator(process=True, flow_seconds=3600) as emu,
        httpx.Client(
            base_url=emu.base_url, headers={"Authorization": f"Bearer {emu.api_key}"}
        ) as raw,
        Generio(api_key=emu.api_key, base_url=emu.base_url) as client,
    ):
        body = {"template": "model_generate_fromprompt", "inputs": [{"data": "x"}]}
        flow_id = raw.post("/flows", json=body).json()["flow_id"]
        for _ in range(10):  # both paths loaded and warm in every variant
            client.flows.get(flow_id)
            raw.get(f"/flows/{flow_id}").json()
        for _ in range(calls):
            if which == "ours":
                client.flows.get(flow_id)
            else:
                raw.get(f"/flows/{flow_id}").json()


def _instructions(calls: int, which: str) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={Path(tmp) / 'cg.out'}",
                sys.executable,
                __file__,
                "--child",
                str(calls),
                which,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    found = re.search(r"Collected : (\d+)", out.stderr)
    if found is None:
        raise RuntimeError(f"no instruction count from valgrind: {out.stderr[-2000:]}")
    return int(found.group(1))


def main(args: list[str]) -> None:
    if args[:1] == ["--child"]:
        _child(int(args[1]), args[2])
        return
    calls = int(args[0]) if args else 300
    start = _instructions(0, "ours")
    raw = (_instructions(calls, "raw") - start) / calls
    ours = (_instructions(calls, "ours") - start) / calls
    print(f"raw httpx get + json(): {raw / 1e6:.3f} M instructions/call")
    print(f"client.flows.get:       {ours / 1e6:.3f} M instructions/call")
    print(f"ratio: {ours / raw:.3f}x (over {calls} calls each)")


if __name__ == "__main__":
    main(sys.argv[1:])
