"""The documentation site's Python examples run as written against the emulator."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from generio.testing import Emulator
from tests.helpers.blocks import BlockRunner

DOCS = Path(__file__).parent.parent / "docs"
BLOCKS = [
    (page, code)
    for page in sorted(DOCS.rglob("*.md"))
    for code in re.findall(r"```python\n(.*?)```", page.read_text(), flags=re.DOTALL)
]


def test_docs_have_examples() -> None:
    """The guides carry their examples (the quick start alone has several)."""
    assert len(BLOCKS) >= 15


@pytest.mark.parametrize(
    "code",
    [code for _, code in BLOCKS],
    ids=[f"{page.relative_to(DOCS).as_posix()}-{i}" for i, (page, _) in enumerate(BLOCKS)],
)
def test_docs_example_runs(
    code: str, tmp_path: Path, generio_emulator: Emulator, block_runner: BlockRunner
) -> None:
    """Each ```python block runs as `python -c` would, with the env the guides describe."""
    env = {
        **os.environ,
        "GENERIO_API_KEY": generio_emulator.api_key,
        "GENERIO_BASE_URL": generio_emulator.base_url,
    }
    done = block_runner.run(code, cwd=tmp_path, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert generio_emulator.api_key not in done.stdout + done.stderr
