"""What one client knows of the account's flows: the keys it saw, and how far it read."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Literal

import attrs

from generio._payload.marker import ABSENT, Marker
from generio._payload.models import Flow

#: Flows the index remembers at most (keys, and flows still to read one by one).
MAX_FLOWS = 500_000
#: Flows read one by one at the same time, at most: a few connections' worth, since each
#: read is short and more at once only opens connections and crowds the pool.
MAX_CLAIMS = 8
#: A read in progress older than this (seconds) is taken over: its job was abandoned.
_STALE_READ = 300.0
_EARLIEST = datetime.min.replace(tzinfo=UTC)
_LATEST = datetime.max.replace(tzinfo=UTC)

Order = Literal["ascending", "descending", "unknown"]


@attrs.frozen
class KeyedFlow:
    """The flow a key made, as far as a lookup needs it."""

    flow_id: str
    fingerprint: str
    created_at: datetime | None


@attrs.frozen
class TailPage:
    """One of the last pages of an oldest-first listing: where a refresh starts reading."""

    path: str
    first: datetime | None


@attrs.frozen
class Coverage:
    """How much of the listing the index reflects."""

    order: Order
    started: float
    newest: datetime | None
    oldest: datetime | None
    to_end: bool
    resume: str | None = None
    tail: tuple[TailPage, ...] = ()


class _Pending:
    """Flows listed without ``additional`` and not read yet, by template."""

    def __init__(self) -> None:
        self.by: dict[str, dict[str, datetime | None]] = {}  # template -> id -> created
        self.of: dict[str, str] = {}  # id -> template
        self._newest: dict[str, datetime | None] = {}  # a template's newest (None: undated)
        self._stale: set[str] = set()  # templates whose newest must be worked out again

    def add(self, flow_id: str, template: str, created: datetime | None) -> None:
        self.pop(flow_id)
        self.by.setdefault(template, {})[flow_id] = created
        self.of[flow_id] = template
        self._stale.add(template)

    def pop(self, flow_id: str) -> None:
        template = self.of.pop(flow_id, None)
        if template is not None:
            created = self.by[template].pop(flow_id)
            newest = self._newest.get(template, _EARLIEST)
            # Only the newest (or an undated one) going changes the template's newest.
            if created is None or (newest is not None and created >= newest):
                self._stale.add(template)

    def _chosen(self, templates: frozenset[str] | None) -> list[str]:
        if templates is None:
            return list(self.by)
        return [t for t in (*sorted(templates), "") if t in self.by]

    def ids(self, templates: frozenset[str] | None, since: datetime | None) -> Iterator[str]:
        return (
            flow_id
            for template in self._chosen(templates)
            for flow_id, created in self.by[template].items()
            if since is None or created is None or created >= since
        )

    def any(self, templates: frozenset[str] | None, since: datetime | None) -> bool:
        for template in self._chosen(templates):
            flows = self.by[template]
            if not flows:
                continue
            if template in self._stale:
                dated = [c for c in flows.values() if c is not None]
                undated = len(dated) < len(flows)
                self._newest[template] = None if undated else max(dated)
                self._stale.discard(template)
            newest = self._newest[template]
            if since is None or newest is None or newest >= since:
                return True
        return False


class AccountIndex:
    """The keys and listing coverage one client (and its ``with_options`` copies) know."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[str, KeyedFlow] = {}
        self._keyed_ids: dict[str, str] = {}  # flow id -> its key
        # Listed without ``additional``: flow id -> (template, created_at), not read yet.
        self._pending = _Pending()
        # Read one by one, without a key: flow id -> created_at.
        self._plain: dict[str, datetime | None] = {}
        self._coverage: Coverage | None = None
        self._reading: float | None = None  # monotonic start of the read in progress
        # Pending flows a call is reading one by one now: flow id -> monotonic start.
        self._claims: dict[str, float] = {}
        #: What lookups cost so far: list pages read, flows read one by one.
        self.pages_read: int = 0
        self.flows_read: int = 0

    def ingest(self, flows: Iterable[Flow]) -> None:
        """Remember what a listed page's flows tell of keys (``_marker``: Marker, None, ABSENT)."""
        with self._lock:
            self.pages_read += 1
            for flow in flows:
                marker = flow._marker
                if isinstance(marker, Marker):
                    self._keep(flow.id, marker, flow.created_at)
                elif (
                    marker is ABSENT
                    and flow.id not in self._keyed_ids
                    and flow.id not in self._plain
                ):
                    self._pending.add(flow.id, flow.template, flow.created_at)
            self._bound()

    def resolved(self, flow: Flow) -> None:
        """Remember a flow read one by one (its ``additional`` was missing from the list)."""
        with self._lock:
            self.flows_read += 1
            self._claims.pop(flow.id, None)
            if isinstance(flow._marker, Marker):
                self._keep(flow.id, flow._marker, flow.created_at)
            else:
                self._pending.pop(flow.id)
                self._plain[flow.id] = flow.created_at
            self._bound()

    def created(self, flow: Flow, marker: Marker) -> None:
        """Remember a flow this client created: a later lookup finds it without a read."""
        with self._lock:
            self._keep(flow.id, marker, flow.created_at)
            self._bound()

    def forget(self, flow_id: str) -> None:
        """Drop a flow that was deleted since it was read."""
        with self._lock:
            self._claims.pop(flow_id, None)
            self._drop(flow_id)

    def _drop(self, flow_id: str) -> None:
        self._pending.pop(flow_id)
        self._plain.pop(flow_id, None)
        key = self._keyed_ids.pop(flow_id, None)
        if key is not None and key in self._keys and self._keys[key].flow_id == flow_id:
            del self._keys[key]

    def _keep(self, flow_id: str, marker: Marker, created_at: datetime | None) -> None:
        self._pending.pop(flow_id)
        self._plain.pop(flow_id, None)
        self._keyed_ids[flow_id] = marker.key
        known = self._keys.get(marker.key)
        # The earliest flow with the key wins; one without a time sorts last.
        if (
            known is None
            or known.flow_id == flow_id
            or (created_at or _LATEST) < (known.created_at or _LATEST)
        ):
            self._keys[marker.key] = KeyedFlow(flow_id, marker.fingerprint, created_at)

    def _bound(self) -> None:
        """Drop the oldest flows once over the bound (rarely: a sort per overflow)."""
        size = len(self._keyed_ids) + len(self._pending.of) + len(self._plain)
        if size <= MAX_FLOWS:
            return
        ages: list[tuple[datetime, str]] = [
            (self._keys[k].created_at or _EARLIEST, i)
            for i, k in self._keyed_ids.items()
            if k in self._keys
        ]
        ages += [(c or _EARLIEST, i) for by in self._pending.by.values() for i, c in by.items()]
        ages += [(c or _EARLIEST, i) for i, c in self._plain.items()]
        ages.sort()
        for _, flow_id in ages[: size - MAX_FLOWS * 9 // 10]:
            self._drop(flow_id)

    def find(self, key: str) -> KeyedFlow | None:
        """Return the earliest flow known to carry ``key``."""
        with self._lock:
            return self._keys.get(key)

    def pending(self, templates: frozenset[str] | None, since: datetime | None) -> list[str]:
        """Ids of flows listed without ``additional`` that a lookup must read one by one."""
        with self._lock:
            return list(self._pending.ids(templates, since))

    def claim(self, flow_id: str) -> bool | None:
        """Take a flow of :meth:`pending` to read (True): calls waiting on a listing share reads.

        False: read, or another call reads it; None: :data:`MAX_CLAIMS` reads are under way.
        :meth:`resolved`, :meth:`forget` or :meth:`unclaim` ends a claim; a stale one is taken.
        """
        now = time.monotonic()
        with self._lock:
            if flow_id not in self._pending.of:
                return False
            taken = self._claims.get(flow_id)
            if taken is not None and now - taken < _STALE_READ:
                return False
            if sum(now - t < _STALE_READ for t in self._claims.values()) >= MAX_CLAIMS:
                return None
            self._claims[flow_id] = now
            return True

    def unclaim(self, flow_id: str) -> None:
        """Give back a claimed flow that could not be read: another call may try it."""
        with self._lock:
            self._claims.pop(flow_id, None)

    def has_pending(self, templates: frozenset[str] | None, since: datetime | None) -> bool:
        """Whether :meth:`pending` would name any flow (cheap: a look per template)."""
        with self._lock:
            return self._pending.any(templates, since)

    @property
    def reading(self) -> bool:
        """Whether a call of the client is reading the listing now."""
        with self._lock:
            return self._reading is not None and time.monotonic() - self._reading < _STALE_READ

    @property
    def coverage(self) -> Coverage | None:
        """What the last completed read covered; None before the first."""
        with self._lock:
            return self._coverage

    def begin_read(self) -> float | None:
        """Become the one reader; the read's start time, or None while another reads."""
        now = time.monotonic()
        with self._lock:
            if self._reading is not None and now - self._reading < _STALE_READ:
                return None
            self._reading = now
            return now

    def end_read(self, coverage: Coverage | None) -> None:
        """Finish a read; a new coverage replaces the old (None keeps it: the read failed)."""
        with self._lock:
            self._reading = None
            if coverage is not None:
                self._coverage = coverage

    def reset(self) -> None:
        """Forget the coverage (the listing changed under it): the next read starts over."""
        with self._lock:
            self._coverage = None
