"""``no_delays()``: no retry backoff and short, steady polls in tests.

A user's test suite that drives generio against the emulator (or a mock) should not sleep
through real backoff and poll intervals, nor poll a running flow back to back. This switch
is process-wide, so it also covers clients used from other threads and event loops while
it is on.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from generio._retry import set_delays_disabled, set_test_poll_interval

__all__ = ["DEFAULT_TEST_POLL_INTERVAL", "no_delays"]

#: Seconds between polls under :func:`no_delays`: a 3 s flow takes ~150 looks, not thousands.
DEFAULT_TEST_POLL_INTERVAL = 0.02


@contextlib.contextmanager
def no_delays(poll_interval: float = DEFAULT_TEST_POLL_INTERVAL) -> Iterator[None]:
    """Within the block, retries wait nothing and a running flow is polled every ``poll_interval``.

    Works as a context manager or, through :mod:`contextlib`, as a decorator. Restores the
    previous setting on exit, so blocks nest.

    Args:
        poll_interval: seconds between two looks at a running flow; 0 polls back to back.

    Raises:
        TypeError: ``poll_interval`` is not a number.
        ValueError: ``poll_interval`` is negative (or NaN).

    >>> from generio.testing import no_delays
    >>> with no_delays(poll_interval=0.05):  # doctest: +SKIP
    ...     client.run("model_generate_fromprompt", "a chair")
    """
    if isinstance(poll_interval, bool) or not isinstance(poll_interval, int | float):
        raise TypeError(f"poll_interval must be a number of seconds, not {poll_interval!r}")
    if not poll_interval >= 0:
        raise ValueError(f"poll_interval must be >= 0 seconds, not {poll_interval!r}")
    previous = set_delays_disabled(True)
    previous_interval = set_test_poll_interval(float(poll_interval))
    try:
        yield
    finally:
        set_delays_disabled(previous)
        set_test_poll_interval(previous_interval)
