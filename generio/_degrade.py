"""Saying once that the service answered unexpectedly, without failing."""

from __future__ import annotations

import logging

logger = logging.getLogger("generio")
#: The kinds logged already. ``setdefault`` is one atomic step: no lock, nothing to renew
#: in a forked child.
_SEEN: dict[str, object] = {}


def degraded(kind: str, what: str) -> None:
    """Log ``what`` once per ``kind`` (per process) at WARNING: the answer was unexpected."""
    mine = object()
    if _SEEN.setdefault(kind, mine) is not mine:
        return
    logger.warning("the service answered unexpectedly (%s); generio carries on. %s", kind, what)


def forget_degradations() -> None:
    """Log every kind of degradation again (for tests that check the warning)."""
    _SEEN.clear()
