"""The README's Python examples run as written against the emulator."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from generio.testing import Emulator

README = Path(__file__).parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


def test_readme_has_examples() -> None:
    """The README shows the facade, async, errors, low-level and emulator examples."""
    assert len(BLOCKS) >= 8


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_example_runs(code: str, tmp_path: Path, generio_emulator: Emulator) -> None:
    """Each ```python block runs in a fresh interpreter, with the env the README describes."""
    env = {
        **os.environ,
        "GENERIO_API_KEY": generio_emulator.api_key,
        "GENERIO_BASE_URL": generio_emulator.base_url,
    }
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip(), "every example prints what it did"
    assert generio_emulator.api_key not in done.stdout + done.stderr


def test_readme_respx_recipe_runs_without_the_emulator(tmp_path: Path) -> None:
    """The respx recipe needs no server: its mocked flow and typed 404 come from respx."""
    (code,) = [block for block in BLOCKS if "import respx" in block]
    env = {k: v for k, v in os.environ.items() if not k.startswith("GENERIO_")}
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["completed", "404", "Flow", "not", "found"]
