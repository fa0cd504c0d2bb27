"""What one client keeps between calls: settings, templates, claims, keys in use, its index.

Shared by the sync and async clients and handed to every job. Thread-safe, because a sync
client may be used from several threads; no lock is ever held across a request.
"""

from __future__ import annotations

import copy
import threading
import time

from generio._http.forksafe import fresh_lock, renew_after_fork
from generio._http.policy import Budget
from generio._http.settings import Settings
from generio._jobs.account import AccountIndex
from generio._jobs.lifecycle import Lifecycle
from generio._jobs.options import KeyLookup
from generio._jobs.polling import PollSettings
from generio._payload.models import Template

__all__ = ["CLAIM_RETENTION", "ClientState"]

#: Seconds a claim is kept. Reconciliation only looks at what was created since its call
#: began (less the clock skew allowance), and no call lasts anywhere near this long; older
#: claims are forgotten so a long-lived client's memory stays bounded.
CLAIM_RETENTION = 3600.0
_PRUNE_EVERY = 1024


class ClientState:
    """The memory of one client.

    Args:
        settings: the checked settings.
        poll: the polling tuning.
        lookup: how keys are looked for (``KeyLookup``).
    """

    def __init__(
        self, settings: Settings, poll: PollSettings | None = None, lookup: KeyLookup | None = None
    ) -> None:
        self.settings = settings
        self.poll = poll or PollSettings()
        self.lookup = lookup or KeyLookup()
        #: What the client read of the account's flows (``_jobs/account.py``).
        self.index = AccountIndex()
        self._lock = threading.Lock()
        self._templates: dict[str, Template] = {}
        # Ids of flows and inputs this client created or adopted after an ambiguous failure:
        # a reconciliation must never hand the same one to two calls.
        self._claimed: dict[str, float] = {}  # id -> when claimed (monotonic)
        # Idempotency keys a call of this client is creating a flow with right now: a
        # concurrent call with the same key waits for it, then finds its flow.
        self._keys_in_use: set[str] = set()
        # Jobs cleaning up after an interruption: closing the client waits for them.
        self._cleanups = 0
        #: Open, closing or closed, and the calls in flight (``_jobs/lifecycle.py``).
        self.life = Lifecycle()
        renew_after_fork(self)

    def after_fork(self) -> None:
        """In a forked child: fresh locks; the parent's calls hold no key, clean nothing up."""
        self._lock = fresh_lock(self._lock)
        self._keys_in_use.clear()  # in place: with_options copies share the set
        self._cleanups = 0

    def derived(self, settings: Settings) -> ClientState:
        """Return a state with other settings sharing this one's memory (``with_options``).

        Templates, claims, keys in use and the index stay shared, so a copy never adopts a
        flow its original claimed; the count of clean-ups is the copy's own, and its
        lifecycle is a child of this one's: it shares its fate.
        """
        twin = copy.copy(self)
        twin.settings = settings
        twin._cleanups = 0
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
                self._templates[template.name] = template
                self._templates[template.id] = template

    def claim(self, resource_id: str) -> bool:
        """Mark a flow or input as this client's; False if a call already claimed it."""
        now = time.monotonic()
        with self._lock:
            if resource_id in self._claimed:
                return False
            self._claimed[resource_id] = now
            if len(self._claimed) % _PRUNE_EVERY == 0:
                cutoff = now - CLAIM_RETENTION
                # In place: with_options copies share this dict (``derived``).
                for old in [k for k, t in self._claimed.items() if t < cutoff]:
                    del self._claimed[old]
            return True

    def is_claimed(self, resource_id: str) -> bool:
        """Whether a call of this client already claimed the id."""
        with self._lock:
            return resource_id in self._claimed

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

    def cleanup_started(self) -> None:
        """Count a job that began cleaning up after an interruption (aborting its flow)."""
        with self._lock:
            self._cleanups += 1

    def cleanup_ended(self) -> None:
        """Count one clean-up as done."""
        with self._lock:
            self._cleanups -= 1

    @property
    def cleaning_up(self) -> bool:
        """Whether any job of this client is still cleaning up."""
        with self._lock:
            return self._cleanups > 0

    def wait_for_cleanups(self, seconds: float) -> None:
        """Block at most ``seconds`` while runs of other threads still abort their flows."""
        deadline = time.monotonic() + seconds
        while self.cleaning_up and time.monotonic() < deadline:
            time.sleep(0.01)
