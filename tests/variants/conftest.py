"""Fixtures of the variant tests: the emulator behind a dialect proxy, clients of each kind."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from generio._degrade import forget_degradations
from generio._retry import set_delays_disabled
from generio.testing import Emulator

# The facade's helpers (a blocking view of the async client) serve these tests too.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "facade"))

#: Short flows: each variation runs several whole flows.
FLOW_SECONDS = 0.05


@pytest.fixture
def anyio_backend() -> str:
    """Run ``@pytest.mark.anyio`` tests on asyncio."""
    return "asyncio"


@pytest.fixture(autouse=True)
def _no_delays() -> Iterator[None]:
    """Zero every retry and poll delay."""
    previous = set_delays_disabled(True)
    yield
    set_delays_disabled(previous)


@pytest.fixture(autouse=True)
def _fresh_warnings() -> None:
    """Let each test see the once-per-process degradation warnings again."""
    forget_degradations()


@pytest.fixture
def emu(generio_emulator: Emulator) -> Emulator:
    """Use the plugin's session emulator, reset, with short flows."""
    generio_emulator.flow_seconds = FLOW_SECONDS
    return generio_emulator
