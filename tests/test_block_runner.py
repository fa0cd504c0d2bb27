"""The runner of README and guide blocks behaves as ``python -c`` would, for what blocks use."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers.blocks import BlockRunner

SEES_PRELOADED = "import sys; print('generio' in sys.modules)"


def test_a_block_gets_its_cwd_env_streams_and_exit_code(
    block_runner: BlockRunner, tmp_path: Path
) -> None:
    """The block runs in its directory with exactly its environment; streams and code come back."""
    code = (
        "import os, sys\n"
        "print(os.getcwd(), os.environ.get('ONLY_HERE'), 'HOME' in os.environ)\n"
        "print('to stderr', file=sys.stderr)\n"
        "sys.exit(3)\n"
    )
    env = {**os.environ, "ONLY_HERE": "yes"}
    env.pop("HOME", None)
    done = block_runner.run(code, cwd=tmp_path, env=env, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (
        3,
        f"{tmp_path} yes False\n",
        "to stderr\n",
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # the captured streams are gone


def test_a_block_has_fresh_globals_despite_the_preloaded_modules(
    block_runner: BlockRunner, tmp_path: Path
) -> None:
    """A block that forgets an import fails with a traceback, as in a fresh interpreter."""
    done = block_runner.run("print(Generio)", cwd=tmp_path, env=dict(os.environ), timeout=60)
    assert done.returncode == 1
    assert "NameError: name 'Generio' is not defined" in done.stderr
    # ... though the child was forked from a runner that had imported generio.
    done = block_runner.run(SEES_PRELOADED, cwd=tmp_path, env=dict(os.environ), timeout=60)
    assert done.stdout == "True\n"


def test_a_block_ends_as_an_interpreter_does(block_runner: BlockRunner, tmp_path: Path) -> None:
    """Non-daemon threads finish, then atexit handlers run; an uncaught SystemExit text exits 1."""
    code = (
        "import atexit, threading\n"
        "atexit.register(print, 'atexit')\n"
        "threading.Thread(target=print, args=('thread',)).start()\n"
        "raise SystemExit('bye')\n"
    )
    done = block_runner.run(code, cwd=tmp_path, env=dict(os.environ), timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (1, "thread\natexit\n", "bye\n")


@pytest.mark.parametrize(
    ("name", "forked"),
    [("PYTEST_T27_ANYTHING", True), ("GENERIO_NO_DELAYS", False), ("PYTHONHASHSEED", False)],
)
def test_a_block_whose_start_differs_gets_a_fresh_interpreter(
    block_runner: BlockRunner, tmp_path: Path, name: str, forked: bool
) -> None:
    """A variable Python or generio reads at start, changed, means a real ``python -c``."""
    env = {**os.environ, name: "1"}
    done = block_runner.run(SEES_PRELOADED, cwd=tmp_path, env=env, timeout=60)
    assert (done.returncode, done.stdout) == (0, f"{forked}\n")


def test_a_hung_block_is_stopped_at_its_timeout(block_runner: BlockRunner, tmp_path: Path) -> None:
    """A block past its timeout dies (SIGALRM) instead of hanging the test run."""
    code = "import threading; threading.Event().wait()"
    done = block_runner.run(code, cwd=tmp_path, env=dict(os.environ), timeout=1)
    assert done.returncode == -14


def test_a_block_reads_an_empty_stdin(block_runner: BlockRunner, tmp_path: Path) -> None:
    """Standard input is empty, not the runner's channel of requests."""
    code = "import os, sys; print(repr(sys.stdin.read()), os.read(0, 10))"
    done = block_runner.run(code, cwd=tmp_path, env=dict(os.environ), timeout=60)
    assert (done.returncode, done.stdout) == (0, "'' b''\n")
