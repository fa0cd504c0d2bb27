"""A client's life: open, closing, closed; and the calls in flight when it closes.

``close()`` / ``aclose()`` may come while calls are running (another thread, another task,
a web server shutting down). What happens then:

1. the client is *closing*: a new call is refused at once with
   :class:`~generio.ClientClosedError`, and every call in flight is interrupted at its next
   step (a poll's pause ends at once; an async request is cancelled; a download stops
   between two chunks); the interruption is a ``ClientClosedError`` thrown into its job;
2. each interrupted ``run()`` cleans up as ``on_interrupt`` says: its flow is aborted, or
   kept running; either way the error carries ``generio_flow_id`` and a note (PEP 678).
   This clean-up still has the pools: closing waits for it (at most 10 s);
3. the client is *closed*: the pools are closed, and so are those of its
   :meth:`~generio.Generio.with_options` copies, which share its fate (a copy's borrowed
   pools refuse every request from then on).

A copy has a lifecycle of its own whose parent is its original's: it is closing or closed
when either is. Its calls count with its original's too, so closing the original waits for
them. Closing a copy closes only the copy.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any, TypeVar

from generio._errors import ClientClosedError
from generio._http.forksafe import fresh_lock, renew_after_fork

if TYPE_CHECKING:
    from generio._jobs.effects import Job

__all__ = ["InFlight", "Lifecycle", "naming_flow"]

T = TypeVar("T")


def naming_flow(flow_id: str, job: Job[T]) -> Job[T]:
    """Run ``job`` (a wait, a download of ``flow_id``'s outputs); a close names the flow.

    Raises:
        ClientClosedError: the client closed during the call, with ``generio_flow_id``.
    """
    try:
        return (yield from job)
    except ClientClosedError as exc:
        if exc.generio_flow_id is None:
            exc.generio_flow_id = flow_id
        raise


class InFlight:
    """One call in flight: what interrupts it when its client closes.

    Attributes:
        thread: the thread that drives it.
        wake: set to end the call's pause at once (blocking clients).
        scope: the cancel scope of its current step (async clients), or None.
    """

    __slots__ = ("scope", "thread", "wake")

    def __init__(self, wake: threading.Event | None = None) -> None:
        self.thread = threading.get_ident()
        self.wake = wake
        self.scope: Any = None

    def interrupt(self) -> None:
        """End the call's pause, or cancel its current step."""
        if self.wake is not None:
            self.wake.set()
        scope = self.scope
        if scope is not None:
            scope.cancel()


class Lifecycle:
    """Whether a client is open, closing or closed, and its calls in flight.

    Args:
        parent: the lifecycle of the client a ``with_options`` copy was made from.
    """

    def __init__(self, parent: Lifecycle | None = None) -> None:
        self._parent = parent
        self._closing = False
        self._closed = False
        self._calls: set[InFlight] = set()
        self._lock = threading.Lock()
        renew_after_fork(self)

    def after_fork(self) -> None:
        """In a forked child: the parent's calls are not this process's."""
        self._lock = fresh_lock(self._lock)
        self._calls = set()

    @property
    def closing(self) -> bool:
        """Whether this client (or the one it was copied from) began closing."""
        return self._closing or (self._parent is not None and self._parent.closing)

    @property
    def closed(self) -> bool:
        """Whether this client's pools (or its original's) are closed."""
        return self._closed or (self._parent is not None and self._parent.closed)

    def _chain(self) -> list[Lifecycle]:
        chain: list[Lifecycle] = []
        life: Lifecycle | None = self
        while life is not None:
            chain.append(life)
            life = life._parent
        return chain

    def enter(self, wake: threading.Event | None = None) -> InFlight:
        """Count a call in flight, here and with every client this one was copied from."""
        call = InFlight(wake)
        for life in self._chain():
            with life._lock:
                life._calls.add(call)
        return call

    def leave(self, call: InFlight) -> None:
        """Count a call as ended."""
        for life in self._chain():
            with life._lock:
                life._calls.discard(call)

    def begin_close(self) -> None:
        """Refuse new calls and interrupt those in flight (this client's and its copies')."""
        with self._lock:
            self._closing = True
            calls = list(self._calls)
        for call in calls:
            call.interrupt()

    def busy(self, *, other_threads: bool = False) -> bool:
        """Whether calls are still in flight (only other threads' with ``other_threads``)."""
        me = threading.get_ident()
        with self._lock:
            return any(not other_threads or c.thread != me for c in self._calls)

    def wait_calls(self, seconds: float) -> None:
        """Block at most ``seconds`` while calls of other threads are in flight."""
        deadline = time.monotonic() + seconds
        while self.busy(other_threads=True) and time.monotonic() < deadline:
            time.sleep(0.005)

    def mark_closed(self) -> None:
        """Record that the pools are (being) closed: borrowed pools refuse from now on."""
        with self._lock:
            self._closing = True
            self._closed = True
