"""Packaging: the wheel carries openapi.json for the emulator and registers the plugin."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_an_installed_wheel_serves_the_committed_spec(tmp_path: Path, built_wheel: Path) -> None:
    """The built wheel holds generio/testing/openapi.json, which its emulator serves."""
    wheel = built_wheel
    unpacked = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read("generio/testing/openapi.json") == (ROOT / "openapi.json").read_bytes()
        entry_points = next(n for n in archive.namelist() if n.endswith("entry_points.txt"))
        assert "generio = generio.testing._pytest_plugin" in archive.read(entry_points).decode()
        archive.extractall(unpacked)
    # Run the unpacked copy, where no source tree is around to fall back on.
    code = (
        "import httpx, generio.testing as t\n"
        f"assert t.__file__.startswith({str(unpacked)!r}), t.__file__\n"
        "with t.Emulator() as emu:\n"
        "    print(len(httpx.get(emu.base_url + '/openapi.json').content))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        env={"PYTHONPATH": str(unpacked), "PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) == len((ROOT / "openapi.json").read_bytes())
