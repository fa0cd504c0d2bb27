"""Saying once that the service answered unexpectedly, without failing."""

from __future__ import annotations

import logging
import os
import threading

logger = logging.getLogger("generio")
_LOCK = threading.Lock()
_SEEN: set[str] = set()


def _renew_lock() -> None:
    """In a forked child: the parent's lock may have been held by one of its threads."""
    global _LOCK
    _LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_renew_lock)


def degraded(kind: str, what: str) -> None:
    """Log ``what`` once per ``kind`` (per process) at WARNING: the answer was unexpected."""
    with _LOCK:
        if kind in _SEEN:
            return
        _SEEN.add(kind)
    logger.warning("the service answered unexpectedly (%s); generio carries on. %s", kind, what)


def forget_degradations() -> None:
    """Log every kind of degradation again (for tests that check the warning)."""
    with _LOCK:
        _SEEN.clear()
