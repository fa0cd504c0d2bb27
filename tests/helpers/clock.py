"""A hand-driven clock for the in-thread emulator: flows move only when a test says so."""

from __future__ import annotations

import time


class EmulatorClock:
    """Frozen wall-clock seconds that the emulator's flows read instead of ``time.time``.

    A flow's state and progress are computed from the store's clock each time they are read,
    so with this clock in place a test sees exactly the moment it set, however slow the
    machine is.
    """

    def __init__(self, start: float | None = None) -> None:
        self.now = time.time() if start is None else start

    def __call__(self) -> float:
        """Return the emulator's current time."""
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the emulator's time forward by ``seconds``."""
        self.now += seconds
