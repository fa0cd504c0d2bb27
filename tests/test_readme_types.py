"""The README's Python blocks pass ``mypy --strict``: what users copy type-checks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.helpers.typecheck import run_mypy

README = Path(__file__).parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


@pytest.mark.serial  # mypy: seconds of CPU when its cache is cold
def test_readme_blocks_pass_mypy_strict(tmp_path: Path) -> None:
    """Every ```python block of the README passes mypy --strict (one module each)."""
    assert BLOCKS
    files = []
    for index, code in enumerate(BLOCKS):
        path = tmp_path / f"readme_block_{index}.py"
        path.write_text(code)
        files.append(str(path))
    config = tmp_path / "mypy.ini"
    config.write_text("[mypy]\nstrict = True\n")
    done = run_mypy(["--config-file", str(config), *files], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"no issues found in {len(files)} source files" in done.stdout
