"""The CLI on a full or read-only disk: one line saying what to do, exit code 4, no traceback."""

from __future__ import annotations

import errno
import subprocess
import sys
from pathlib import Path

import pytest

from generio.testing import Emulator
from tests.helpers.cli import PROMPT_TEMPLATE, Cli
from tests.helpers.local_faults import inject_write_fault, part_files, small_fs

EXIT_LOCAL = 4


def _one_error_line(stderr: str) -> str:
    assert "Traceback" not in stderr
    errors = [line for line in stderr.splitlines() if line.startswith("generio: error:")]
    assert len(errors) == 1, stderr
    return errors[0]


def test_run_on_a_full_disk_says_how_to_fetch_again(
    cli: Cli, emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Generio run -o DIR on ENOSPC: exit 4, the flow named, the download command given."""
    inject_write_fault(monkeypatch, errno.ENOSPC, after=2048)
    out = tmp_path / "models"
    result = cli("run", PROMPT_TEMPLATE, "a chair", "-o", str(out))
    assert result.exit_code == EXIT_LOCAL
    line = _one_error_line(result.stderr)
    (entry,) = emu.ledger
    assert "No space left on device" in line
    assert f"generio flows download {entry.flow_id} -o DIR" in line
    assert "out_dir" not in line
    assert part_files(tmp_path) == []


def test_download_into_a_refused_directory(
    cli: Cli, emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Generio flows download into a directory refusing files: exit 4, one line."""
    assert cli("run", PROMPT_TEMPLATE, "a cup", "--no-wait").exit_code == 0
    (entry,) = emu.ledger
    assert cli("flows", "wait", entry.flow_id).exit_code == 0
    inject_write_fault(monkeypatch, errno.EACCES)
    result = cli("flows", "download", entry.flow_id, "-o", str(tmp_path / "out"))
    assert result.exit_code == EXIT_LOCAL
    assert "Permission denied" in _one_error_line(result.stderr)


def test_real_full_disk_in_a_child_process(
    emu: Emulator, tmp_path: Path, subprocess_env: dict[str, str]
) -> None:
    """Python -m generio run -o on a 16 KiB tmpfs: exit 4, one line, no traceback."""
    with small_fs(tmp_path / "tiny", 16) as tiny:
        done = subprocess.run(
            [sys.executable, "-m", "generio", "run", PROMPT_TEMPLATE, "a chair", "-o", str(tiny)],
            env=subprocess_env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert list(tiny.iterdir()) == []
    assert done.returncode == EXIT_LOCAL, done.stderr
    line = _one_error_line(done.stderr)
    (entry,) = emu.ledger
    assert f"generio flows download {entry.flow_id}" in line
