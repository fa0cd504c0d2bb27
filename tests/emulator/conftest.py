"""Fixtures of the emulator's tests: flow length and an HTTP helper.

Every test talks plain httpx (the root ``http`` fixture) to a real server on 127.0.0.1;
none uses the facade.
"""

from __future__ import annotations

import httpx
import pytest

from generio.testing import Emulator
from tests.helpers.emulator import FLOW_SECONDS, Api


@pytest.fixture
def flow_seconds() -> float:
    """Flows of 0.2 s: long enough to see them running."""
    return FLOW_SECONDS


@pytest.fixture
def api(http: httpx.Client, emu: Emulator) -> Api:
    """Wrap ``http`` in the test helper."""
    return Api(http, emu)
