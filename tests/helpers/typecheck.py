"""Running mypy on snippets, with a cache that outlives the run.

A cold mypy spends seconds loading the standard library's stubs, httpx and generio before it
reaches the snippet; its incremental cache keeps that work. Each pytest worker (``gw0``,
``gw1``, ... or ``main``) has its own cache folder under the git-ignored ``.mypy_cache/``, so
no two processes write one at a time, and the next run starts warm. The tests that use it are
marked ``serial``: nox runs them in one process after the others, so a fresh checkout pays
for one cold mypy, not one per worker.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def cache_dir() -> Path:
    """Return the mypy cache folder of this worker."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return ROOT / ".mypy_cache" / f"tests-{worker}"


def run_mypy(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``python -m mypy ARGS`` in ``cwd`` with this worker's cache; return what it did."""
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(cache_dir()), *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        check=False,
    )
