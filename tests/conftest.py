"""Fixtures every folder shares: the emulator, clients on it, and zero delays.

One ``emu`` (a :class:`~generio.testing.Emulator`: the plugin's session emulator, reset for
the test) whose flows last ``flow_seconds``; a folder that needs other flows overrides the
``flow_seconds`` fixture in its own ``conftest.py``. Each fixture name means one type
everywhere: ``client`` is a :class:`~generio.Generio` (or a blocking view of an
``AsyncGenerio``, parametrized), ``sync_client`` a plain ``Generio``, ``http`` an
``httpx.Client`` with the emulator's key. ``emu_clock`` freezes the emulator's flow clock
so a test moves flows on by events, not by sleeping. Helpers live in the ``tests.helpers`` package.
"""

from __future__ import annotations

import functools
import os
import random
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import certifi
import httpx
import pytest

from generio import Generio
from generio.testing import Emulator, no_delays
from tests.helpers.blocks import BlockRunner
from tests.helpers.clock import EmulatorClock
from tests.helpers.facade import either_client


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=certifi.where())


def _share_one_ssl_context(transport: type[Any]) -> None:
    """Give the transports httpx builds with ``verify=True`` one SSL context for the worker.

    Each new one otherwise loads certifi's CA bundle: about 30 ms of CPU per client, a large
    share of the suite's. No test speaks TLS (everything is http://127.0.0.1), so sharing
    the context changes nothing else.
    """
    original = transport.__init__

    @functools.wraps(original)
    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        if not args and kwargs.get("verify", True) is True:
            kwargs["verify"] = _ssl_context()
        original(self, *args, **kwargs)

    transport.__init__ = init


_share_one_ssl_context(httpx.HTTPTransport)
_share_one_ssl_context(httpx.AsyncHTTPTransport)

#: pytester runs inner pytest sessions (the emulator plugin's own tests).
pytest_plugins = ["pytester"]


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--khronos``: also run the Khronos glTF validator (npm's registry on first use)."""
    parser.addoption(
        "--khronos",
        action="store_true",
        help="run the Khronos glTF validator (Node.js and npm; installs gltf-validator from "
        "npm's registry on first use); `nox -s khronos` does",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Give every xdist worker the same hash seed, so ids showing a set are collected alike.

    Set here, in the controller, before the workers start (they inherit the environment); a
    fresh random seed per run keeps hash randomisation exercised.
    """
    os.environ.setdefault("PYTHONHASHSEED", str(random.randrange(1, 2**32)))


#: How long the emulator's flows take unless a folder says otherwise: long enough to poll.
DEFAULT_FLOW_SECONDS = 0.1


@pytest.fixture
def anyio_backend() -> str:
    """Run ``@pytest.mark.anyio`` tests on asyncio."""
    return "asyncio"


@pytest.fixture(autouse=True)
def _no_delays() -> Iterator[None]:
    """Zero every retry and poll delay: the suite never sleeps through backoff."""
    with no_delays():
        yield


@pytest.fixture(scope="session")
def block_runner() -> Iterator[BlockRunner]:
    """Run README and guide blocks as ``python -c`` would, forked from pre-imported generio."""
    runner = BlockRunner()
    yield runner
    runner.close()


@pytest.fixture
def real_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    """Use the real polling schedule in one test: the zero-delay switch would poll at once."""
    from generio._http import policy

    monkeypatch.setattr(policy, "_delays_disabled", False)
    monkeypatch.setattr(policy, "_test_poll_interval", 0.0)


@pytest.fixture
def flow_seconds() -> float:
    """How long the emulator's flows take; override in a folder's conftest."""
    return DEFAULT_FLOW_SECONDS


@pytest.fixture
def emu(generio_emulator: Emulator, flow_seconds: float) -> Emulator:
    """Use the plugin's session emulator, reset, with flows of ``flow_seconds``."""
    generio_emulator.flow_seconds = flow_seconds
    return generio_emulator


@pytest.fixture
def emu_clock(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> EmulatorClock:
    """Freeze the (in-thread) emulator's flow clock; ``advance`` it to move flows on."""
    from generio.testing import _store

    clock = EmulatorClock()
    monkeypatch.setattr(_store, "now", clock)
    return clock


@pytest.fixture
def sync_client(emu: Emulator) -> Iterator[Generio]:
    """Open a blocking client on the emulator."""
    with Generio(emu.api_key, emu.base_url) as opened:
        yield opened


@pytest.fixture(params=["sync", "async"])
def client(request: pytest.FixtureRequest, emu: Emulator) -> Iterator[Generio]:
    """Open a client of each kind on the emulator, both used with blocking calls."""
    with either_client(request.param, emu) as opened:
        yield opened


@pytest.fixture
def http(emu: Emulator) -> Iterator[httpx.Client]:
    """Open a plain httpx client with the emulator's key (no facade in between)."""
    headers = {"Authorization": f"Bearer {emu.api_key}"}
    with httpx.Client(base_url=emu.base_url, headers=headers, timeout=10.0) as opened:
        yield opened


@pytest.fixture(scope="session")
def built_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build generio's wheel from this checkout, once per worker, offline.

    No build isolation: hatchling comes from the test group, so pip fetches nothing.
    """
    out = tmp_path_factory.mktemp("wheel")
    root = Path(__file__).resolve().parents[1]
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    build = subprocess.run(
        [*command, "-q", "-w", str(out), str(root)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr
    (wheel,) = out.glob("generio-*.whl")
    return wheel
