"""Fixtures of the reliability suite: zero delays, the session emulator, the facade's helpers.

The facade's tests keep a ``Blocking`` view of the async client in ``facade_helpers``; this
suite reuses it, so their folder goes on the import path (pytest puts it there only when it
collects that folder too).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from generio.testing import Emulator, no_delays

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "facade"))


@pytest.fixture(autouse=True)
def _no_delays() -> Iterator[None]:
    """Zero every retry and poll delay: the suite never sleeps through backoff."""
    with no_delays():
        yield


@pytest.fixture
def emu(generio_emulator: Emulator) -> Emulator:
    """Use the plugin's session emulator, reset, with short flows."""
    generio_emulator.flow_seconds = 0.1
    return generio_emulator
