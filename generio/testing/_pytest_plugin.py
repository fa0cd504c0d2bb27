"""The pytest plugin generio registers: the ``generio_emulator`` fixture.

Registered through the ``pytest11`` entry point, so loaded into every pytest run of a project
that has generio installed: it imports nothing heavy, and the emulator (with fastapi) loads
only when a test asks for the fixture. One emulator serves the whole session and is reset
before each test that uses it.

Settings (ini): ``generio_emulator_flow_seconds`` (default 0.1), how long flows take.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from generio.testing import Emulator

__all__ = ["generio_emulator"]

_FLOW_SECONDS = "generio_emulator_flow_seconds"


def pytest_addoption(parser: pytest.Parser) -> None:
    """Declare the ini setting for the fixture's flow duration."""
    parser.addini(
        _FLOW_SECONDS, "seconds a flow takes in the generio_emulator fixture", default="0.1"
    )


@pytest.fixture(scope="session")
def _generio_emulator_session(pytestconfig: pytest.Config) -> Iterator[Emulator]:
    from generio.testing import Emulator  # keeps pytest start-up light

    seconds = float(pytestconfig.getini(_FLOW_SECONDS))
    with Emulator(flow_seconds=seconds) as emulator:
        yield emulator


@pytest.fixture
def generio_emulator(_generio_emulator_session: Emulator) -> Emulator:
    """Provide a running, fault-free :class:`~generio.testing.Emulator` with fast flows.

    Reset for this test; point a client at ``generio_emulator.base_url`` with ``.api_key``.
    """
    _generio_emulator_session.reset()
    return _generio_emulator_session
