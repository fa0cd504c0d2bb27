"""The documented web recipes (``docs/recipes/``) served for real: uvicorn in a child process.

:func:`serve_recipe` starts ``uvicorn <recipe>:app`` on a free loopback port, pointed at an
emulator through the environment the README describes, with ``GENERIO_NO_DELAYS=1`` (the
documented switch for apps run as a subprocess). :func:`peak_mb` reads a process's memory
high-water mark, and :func:`reset_peak` clears it, from ``/proc`` (Linux).
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import attrs
import httpx

from generio.testing import Emulator

RECIPES = Path(__file__).resolve().parents[2] / "docs" / "recipes"
#: How each recipe's docstring says to run it: the async one on asyncio's own loop (under
#: uvloop, httpx's async connections read a socket buffer's worth ahead of the reader).
LOOPS = {"serve_models": "asyncio", "serve_models_sync": "auto"}
_RUNNING = re.compile(r"Uvicorn running on (http://127\.0\.0\.1:\d+)")


@attrs.define
class Served:
    """A recipe being served: its URL, process id and what it logged."""

    url: str
    pid: int
    log: list[str]


def _status_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} for process {pid}")


def rss_mb(pid: int) -> float:
    """Return the process's resident memory now, in MB."""
    return _status_mb(pid, "VmRSS")


def peak_mb(pid: int) -> float:
    """Return the process's resident memory high-water mark, in MB."""
    return _status_mb(pid, "VmHWM")


def reset_peak(pid: int) -> None:
    """Reset the process's high-water mark to its current resident memory."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


@contextlib.contextmanager
def serve_recipe(
    recipe: str, emu: Emulator, loop: str | None = None, **env: str
) -> Iterator[Served]:
    """Serve ``docs/recipes/<recipe>.py`` with uvicorn on 127.0.0.1 until the block ends.

    ``loop`` is uvicorn's ``--loop`` (the recipe's documented one when None).
    """
    environment = {
        **os.environ,
        "GENERIO_API_KEY": emu.api_key,
        "GENERIO_BASE_URL": emu.base_url,
        "GENERIO_NO_DELAYS": "1",
        **env,
    }
    command = [
        sys.executable, "-m", "uvicorn", "--app-dir", str(RECIPES), f"{recipe}:app",
        "--host", "127.0.0.1", "--port", "0", "--log-level", "info", "--no-access-log",
        "--loop", loop or LOOPS.get(recipe, "auto"),
    ]  # fmt: skip
    process = subprocess.Popen(
        command, env=environment, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )
    log: list[str] = []
    found: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            log.append(line.rstrip())
            match = _RUNNING.search(line)
            if match:
                found.append(match.group(1))
                ready.set()
        ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        if not ready.wait(60) or not found:
            raise RuntimeError("the recipe did not start:\n" + "\n".join(log))
        yield Served(found[0], process.pid, log)
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(5)
        if process.stderr is not None:
            process.stderr.close()


def wait_until_up(url: str, seconds: float = 30.0) -> None:
    """Return once the app answers (any status) at ``url``."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            httpx.get(f"{url}/", timeout=2.0)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
