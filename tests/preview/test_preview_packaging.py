"""The wheel carries the viewer and its licences, within the 1.5 MB the issue allows."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ASSETS = "generio/_preview_assets/"


def test_the_wheel_ships_the_viewer_and_an_unpacked_copy_uses_it(
    tmp_path: Path, built_wheel: Path
) -> None:
    """model-viewer and every licence are in the wheel; a page made from it inlines them."""
    wheel = built_wheel
    unpacked = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        entries = [i for i in archive.infolist() if i.filename.startswith(ASSETS)]
        names = {i.filename.removeprefix(ASSETS) for i in entries}
        assert {"model-viewer.min.js", "LICENSE-model-viewer", "LICENSE-three"} <= names
        assert sum(i.compress_size for i in entries) <= 1_500_000
        archive.extractall(unpacked)
    code = (
        "import generio._preview as p\n"
        f"assert p.__file__.startswith({str(unpacked)!r}), p.__file__\n"
        "page = p.render_page([])\n"
        "assert 'customElements.define(\"model-viewer\"' in page\n"
        "print(len(page))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        cwd=unpacked,
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) > 1_000_000
