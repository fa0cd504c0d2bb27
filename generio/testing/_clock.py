"""Time and identifiers: the wall clock, ISO 8601 rendering and ObjectId-like ids.

Wall-clock seconds (``time.time()``) are used throughout, not a monotonic clock, so that a
benchmark in another process can compare the ledger's completion moments with its own.
"""

from __future__ import annotations

import functools
import itertools
import os
import threading
import time
from datetime import UTC, datetime

__all__ = ["from_iso", "iso", "new_object_id", "now", "to_datetime"]

now = time.time

_counter = itertools.count(int.from_bytes(os.urandom(3), "big"))
_counter_lock = threading.Lock()
_PROCESS_PART = os.urandom(5).hex()


def new_object_id() -> str:
    """Make a 24-hex id like the service's (``6941ac784e4fd44b7afb5f4c``).

    Time, then a random per-process part, then a counter, as MongoDB ObjectIds are made.
    """
    with _counter_lock:
        count = next(_counter) & 0xFFFFFF
    return f"{int(time.time()) & 0xFFFFFFFF:08x}{_PROCESS_PART}{count:06x}"


def to_datetime(seconds: float) -> datetime:
    """Wall-clock seconds as an aware UTC datetime."""
    return datetime.fromtimestamp(seconds, UTC)


@functools.lru_cache(maxsize=1 << 17)
def iso(seconds: float) -> str:
    """ISO 8601 in UTC with microseconds and a ``Z``, as FastAPI services commonly write.

    Kept per moment: a listing writes each flow's start and finish again on every read.
    """
    return to_datetime(seconds).isoformat(timespec="microseconds")[:-6] + "Z"


def from_iso(text: str) -> datetime:
    """Parse what :func:`iso` wrote back into an aware datetime."""
    return datetime.fromisoformat(text)
