"""What one client keeps between calls (settings, templates, claims, keys, index), and its life."""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Iterator
from typing import Any

import attrs

from generio._http.forksafe import fresh_lock, renew_after_fork
from generio._http.policy import Budget
from generio._http.settings import Settings
from generio._jobs.account import AccountIndex
from generio._jobs.options import KeyLookup
from generio._jobs.polling import PollSettings, RunTimes
from generio._payload.models import Template

#: Seconds a claim is kept: a reconciliation only looks at what its call created, and no call
#: lasts anywhere near this long, so a long-lived client's memory stays bounded.
CLAIM_RETENTION = 3600.0
_PRUNE_EVERY = 1024


@attrs.define(eq=False)  # compared, and hashed in a set, by identity
class InFlight:
    """One call in flight: what interrupts it (its pause's event, or its step's cancel scope)."""

    wake: threading.Event | None = None
    thread: int = attrs.field(factory=threading.get_ident)
    scope: Any = None
    # A stream's attempt is interrupted but not waited for: closing the pools ends its read.
    awaited: bool = True

    def interrupt(self) -> None:
        """End the call's pause (blocking clients), or cancel its current step (async ones)."""
        if self.wake is not None:
            self.wake.set()
        if self.scope is not None:
            self.scope.cancel()


class Lifecycle:
    """Whether a client is open, closing or closed, and its calls in flight."""

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

    def _chain(self) -> Iterator[Lifecycle]:
        life: Lifecycle | None = self
        while life is not None:
            yield life
            life = life._parent

    def enter(self, wake: threading.Event | None = None, *, awaited: bool = True) -> InFlight:
        """Count a call in flight, here and with every client this one was copied from."""
        call = InFlight(wake, awaited=awaited)
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
            return any(c.awaited and (not other_threads or c.thread != me) for c in self._calls)

    def wait_calls(self, seconds: float) -> None:
        """Block at most ``seconds`` while calls of other threads are in flight."""
        deadline = time.monotonic() + seconds
        while self.busy(other_threads=True) and time.monotonic() < deadline:
            time.sleep(0.005)

    def mark_closed(self) -> None:
        """Record that the pools are (being) closed: borrowed pools refuse from now on."""
        with self._lock:
            self._closing = self._closed = True


class ClientState:
    """The memory of one client (``poll``: the polling tuning; ``lookup``: ``KeyLookup``)."""

    def __init__(
        self, settings: Settings, poll: PollSettings | None = None, lookup: KeyLookup | None = None
    ) -> None:
        self.settings: Settings = settings
        self.poll: PollSettings = poll or PollSettings()
        self.lookup: KeyLookup = lookup or KeyLookup()
        #: What the client read of the account's flows (``_jobs/account.py``).
        self.index: AccountIndex = AccountIndex()
        #: How long each template's flows ran lately: when to look at a new one first.
        self.runs: RunTimes = RunTimes()
        self.life: Lifecycle = Lifecycle()
        self._lock = threading.Lock()
        self._templates: dict[str, Template] = {}
        # Flows and inputs this client created or adopted: never handed to two calls.
        self._claimed: dict[str, float] = {}  # id -> when claimed (monotonic)
        # Keys a call of this client creates a flow with right now: another call waits.
        self._keys_in_use: set[str] = set()
        # Calls cleaning up after an interruption: close() waits. A set, not a count: adding
        # and discarding are single steps, so a second Ctrl-C cannot unbalance it.
        self._cleaning: set[InFlight] = set()
        renew_after_fork(self)

    def after_fork(self) -> None:
        """In a forked child: fresh locks; the parent's calls hold no key, clean nothing up."""
        self._lock = fresh_lock(self._lock)
        self._keys_in_use.clear()  # in place: with_options copies share the set
        self._cleaning = set()

    def derived(self, settings: Settings) -> ClientState:
        """Return a state with other settings sharing this one's memory (``with_options``)."""
        twin = copy.copy(self)
        twin.settings = settings
        twin._cleaning = set()
        twin.life = Lifecycle(self.life)
        renew_after_fork(twin)
        return twin

    def budget(self) -> Budget:
        """Return a fresh retry budget for one logical call."""
        return Budget(self.settings.max_retries)

    def cached_template(self, id_or_name: str) -> Template | None:
        """Return a template seen before under this id or name, if any."""
        with self._lock:
            return self._templates.get(id_or_name)

    def remember(self, templates: list[Template]) -> None:
        """Cache templates under both their id and their name."""
        with self._lock:
            for template in templates:
                self._templates[template.name] = self._templates[template.id] = template

    def claim(self, resource_id: str) -> bool:
        """Mark a flow or input as this client's; False if a call already claimed it."""
        now = time.monotonic()
        with self._lock:
            if resource_id in self._claimed:
                return False
            self._claimed[resource_id] = now
            if len(self._claimed) % _PRUNE_EVERY == 0:  # in place: copies share the dict
                for old in [k for k, t in self._claimed.items() if t < now - CLAIM_RETENTION]:
                    del self._claimed[old]
            return True

    def hold_key(self, key: str) -> bool:
        """Reserve an idempotency key for one call; False while another call holds it."""
        with self._lock:
            if key in self._keys_in_use:
                return False
            self._keys_in_use.add(key)
            return True

    def release_key(self, key: str) -> None:
        """Release a key reserved by :meth:`hold_key`."""
        with self._lock:
            self._keys_in_use.discard(key)

    def cleanup_started(self, call: InFlight) -> None:
        """Note a call that cleans up after an interruption (aborting its flow); again: no-op."""
        self._cleaning.add(call)

    def cleanup_ended(self, call: InFlight) -> None:
        """Note the call's clean-up (if any) as done."""
        self._cleaning.discard(call)

    @property
    def cleaning_up(self) -> bool:
        """Whether any call of this client is still cleaning up."""
        return bool(self._cleaning)

    def wait_for_cleanups(self, seconds: float) -> None:
        """Block at most ``seconds`` while runs of other threads still abort their flows."""
        deadline = time.monotonic() + seconds
        while self.cleaning_up and time.monotonic() < deadline:
            time.sleep(0.01)
