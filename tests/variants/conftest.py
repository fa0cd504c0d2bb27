"""Fixtures of the variant tests: short flows, and the degradation warnings reset."""

from __future__ import annotations

import pytest

from generio._degrade import forget_degradations

#: Short flows: each variation runs several whole flows.
FLOW_SECONDS = 0.05


@pytest.fixture
def flow_seconds() -> float:
    """Short flows: each variation runs several whole flows."""
    return FLOW_SECONDS


@pytest.fixture(autouse=True)
def _fresh_warnings() -> None:
    """Let each test see the once-per-process degradation warnings again."""
    forget_degradations()
