"""``no_delays()``: make generio's retry backoff and polling intervals zero in tests.

A user's test suite that drives generio against the emulator (or a mock) should not sleep
through real backoff and poll intervals. This switch is process-wide, so it also covers
clients used from other threads and event loops while it is on.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from generio._http.policy import set_delays_disabled

__all__ = ["no_delays"]


@contextlib.contextmanager
def no_delays() -> Iterator[None]:
    """Within the block, every retry and poll delay of generio is zero.

    Works as a context manager or, through :mod:`contextlib`, as a decorator. Restores the
    previous setting on exit, so blocks nest.

    >>> from generio.testing import no_delays
    >>> with no_delays():  # doctest: +SKIP
    ...     client.run("model_generate_fromprompt", "a chair")
    """
    previous = set_delays_disabled(True)
    try:
        yield
    finally:
        set_delays_disabled(previous)
