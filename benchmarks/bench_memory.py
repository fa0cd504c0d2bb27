"""Upload and download of a 200 MB model: peak RSS above idle, each case in its own process."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from _report import Row

from generio import Generio
from generio.testing import Emulator, sample_glb

WORKER = Path(__file__).with_name("_memory_worker.py")
LIMIT_MB = 64.0


def _run(case: str, emu: Emulator, arg: str) -> dict[str, float | str]:
    out = subprocess.run(
        [sys.executable, str(WORKER), case, emu.base_url, emu.api_key, arg],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _row(
    name: str,
    measure: str,
    ours: dict[str, float | str],
    naive: dict[str, float | str],
    **details: object,
) -> Row:
    value, base = float(ours["above_idle_mb"]), float(naive["above_idle_mb"])
    return Row(
        name,
        measure,
        value,
        base,
        "MB",
        value / base,
        f"≤ {LIMIT_MB:g} MB above idle",
        value <= LIMIT_MB,
        dict(details),
    )


def memory(size_mb: int = 200) -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp, Emulator(process=True, flow_seconds=0.5) as emu:
        source = Path(tmp) / "big.glb"
        source.write_bytes(sample_glb(size_mb * 1_000_000))
        size = source.stat().st_size
        naive_up = _run("upload_naive", emu, str(source))
        ours_up = _run("upload_ours", emu, str(source))
        with Generio(api_key=emu.api_key, base_url=emu.base_url, timeout=600) as client:
            flow = client.flows.wait(str(ours_up["result"]))
            (output,) = client.flows.outputs(flow.id)
        arg = f"{flow.id}:{output.id}:{tmp}"
        naive_down = _run("download_naive", emu, arg)
        ours_down = _run("download_ours", emu, arg)
        same = _digest(Path(str(naive_down["result"]))) == _digest(Path(str(ours_down["result"])))
        saved = Path(str(ours_down["result"])).stat().st_size
    rows = [
        _row("upload memory", f"create a flow from a {size / 1e6:.0f} MB file", ours_up, naive_up),
        _row(
            "download memory",
            f"save a {saved / 1e6:.0f} MB output",
            ours_down,
            naive_down,
            identical_to_naive=same,
        ),
    ]
    if not same:
        rows[1].met = False
    return rows


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()
