"""Shared fixtures of the emulator's tests: the plugin's emulator and an HTTP helper.

Every test talks plain httpx to a real server on 127.0.0.1; none uses the facade.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from emulator_helpers import FLOW_SECONDS, Api

from generio.testing import Emulator


@pytest.fixture
def emu(generio_emulator: Emulator) -> Emulator:
    """Use the plugin's session emulator, reset, with 0.2-second flows."""
    generio_emulator.flow_seconds = FLOW_SECONDS
    return generio_emulator


@pytest.fixture
def client(emu: Emulator) -> Iterator[httpx.Client]:
    """Open an httpx client with the emulator's key."""
    headers = {"Authorization": f"Bearer {emu.api_key}"}
    with httpx.Client(base_url=emu.base_url, headers=headers, timeout=10.0) as http:
        yield http


@pytest.fixture
def api(client: httpx.Client, emu: Emulator) -> Api:
    """Wrap ``client`` in the test helper."""
    return Api(client, emu)
