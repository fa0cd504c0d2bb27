"""Reading the account's listing for key lookups: only what the index does not know yet."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

import attrs

from generio._errors import APIError, LookupIncompleteError, NotFoundError
from generio._http.operations import get_flow_op, list_flows_op, page_op
from generio._http.policy import Budget
from generio._jobs.account import AccountIndex, Coverage, Order, TailPage
from generio._jobs.calls import resolve_link
from generio._jobs.effects import Job, Sleep
from generio._jobs.retries import call
from generio._jobs.state import ClientState
from generio._payload.marker import Marker
from generio._payload.models import Flow

if TYPE_CHECKING:
    from generio._payload.wire import Page


T = TypeVar("T")

#: Seconds a flow may appear in the listing after flows created later than it (a create
#: still being stored): every bound reaches this much further back.
SETTLE = 60.0
#: Seconds between looks while another call of the client reads the listing: from 20 ms,
#: doubling to 200 ms (hundreds of jobs of a batch wait for one read).
_TURN = 0.02
_MAX_TURN = 0.2
#: Pages of an oldest-first listing remembered for the next refresh.
_TAIL = 3
#: A creation time further past our clock is a wrong clock's (one flow of the account), not
#: the service's now: bounds never start later (so a lookup reads deeper, never less).
_AHEAD = timedelta(hours=1)


def _believed(newest: datetime) -> datetime:
    """Return the newest creation time, or our clock plus ``_AHEAD`` if that is earlier."""
    return min(newest, datetime.now(UTC) + _AHEAD)


@attrs.frozen
class Need:
    """What a lookup needs the index to cover."""

    key: str
    fresh: float
    since: float | None = None
    templates: frozenset[str] | None = None
    after: str = ""


def ensure_job(state: ClientState, need: Need, budget: Budget) -> Job[dict[str, Flow]]:
    """Make the client's index cover what ``need`` asks, reading as little as it can.

    One call reads the listing while the others wait; then every waiting call takes its
    share of the flows listed without ``additional`` (:meth:`AccountIndex.claim`), so a
    batch of N jobs reads them N at a time instead of one after the other.
    """
    index: AccountIndex = state.index
    reader = _Reader(state, need, budget)
    read = reader.found
    todo: deque[str] = deque()  # flows to read one by one, as this call last saw them
    waits = 0
    while True:
        coverage = index.coverage
        if (
            not index.reading
            and coverage is not None
            and coverage.started >= need.fresh
            and _deep(coverage, need, reader.window)
        ):
            bound = _bound(coverage.newest, need, reader.window)
            if not index.has_pending(need.templates, bound):
                return read
            if not todo:  # the rest is being read by others, or was given back: look again
                todo.extend(index.pending(need.templates, bound))
            while todo:
                taken = index.claim(todo[0])
                if taken is None:
                    break  # enough reads are under way: wait for a turn
                flow_id = todo.popleft()
                if taken:
                    if not (yield from _guarded(reader.read_flow(flow_id), index, need)):
                        return read  # could not be read, but the need's key was found
                    waits = 0
            if not todo and not index.has_pending(need.templates, bound):
                return read
        else:
            started = index.begin_read()  # None while another call reads
            if started is not None:
                new: Coverage | None = None
                try:
                    new = yield from _guarded(reader.read(coverage, started), index, need)
                finally:
                    index.end_read(new)
                if new is None:  # found in what was read: enough for this lookup
                    return read
                waits = 0
                continue
        yield Sleep(min(_MAX_TURN, _TURN * 2**waits))
        waits += 1


def _guarded(job: Job[T], index: AccountIndex, need: Need) -> Job[T | None]:
    """Run a step of a lookup; None if it could not finish but found the need's key."""
    try:
        return (yield from job)
    except LookupIncompleteError:
        if need.key and index.find(need.key) is not None:
            return None
        raise


def _bound(newest: datetime | None, need: Need, window: float) -> datetime | None:
    """Return the oldest creation time (service clock) a flow the lookup needs can have."""
    if newest is None:
        return None
    age = window if need.since is None else time.monotonic() - need.since
    return _believed(newest) - timedelta(seconds=age + SETTLE)


def _deep(coverage: Coverage, need: Need, window: float) -> bool:
    """Whether the listing read reaches back as far as the need asks."""
    if coverage.to_end:
        return True
    bound = _bound(coverage.newest, need, window)
    return bound is not None and coverage.oldest is not None and coverage.oldest <= bound


class _Scan:
    """What the pages read show: the listing's order, its newest flow, its last pages."""

    def __init__(self, newest: datetime | None = None, tail: Iterable[TailPage] = ()) -> None:
        self.newest = newest
        self.tail: deque[TailPage] = deque(tail, maxlen=_TAIL)
        self.last: datetime | None = None
        self.up = self.down = 0

    def add(self, path: str, flows: list[Flow]) -> None:
        """Learn from one page (read from ``path``) and its creation times."""
        self.tail.append(TailPage(path, flows[0].created_at if flows else None))
        for created in (flow.created_at for flow in flows if flow.created_at is not None):
            if self.last is not None:
                self.up += created > self.last
                self.down += created < self.last
            self.last = created
            if self.newest is None or created > self.newest:
                self.newest = created

    @property
    def order(self) -> Order:
        if bool(self.up) == bool(self.down):
            return "unknown"
        return "ascending" if self.up else "descending"


class _Restart(Exception):
    """What was read no longer joins what the index knew: read the whole listing."""


class _Reader:
    """One read of the listing for one need: counts pages and flows for the error."""

    def __init__(self, state: ClientState, need: Need, budget: Budget) -> None:
        self.state = state
        self.found: dict[str, Flow] = {}  # the flows read that carry the need's key
        self.need = need
        self.budget = budget
        self.window = state.lookup.window
        self.pages = 0
        self.flows = 0
        self.oldest: datetime | None = None
        self.seen: set[str] = set()
        #: The listing's first page, as the generated client builds it, by creation time.
        self.first = list_flows_op(None, "created_at")

    def incomplete(self, reason: str, cause: str = "unreadable") -> LookupIncompleteError:
        return LookupIncompleteError(
            self.need.key or "(a batch's keys)",
            reason,
            pages=self.pages,
            flows=self.flows,
            oldest=self.oldest,
            after=self.need.after,
            listing=f"{self.first.method} {self.first.path}",
            cause=cause,
        )

    def page(self, path: str) -> Job[tuple[list[Flow], str | None]]:
        """Read one page; its flows and the next page's path (None on the last)."""
        if self.pages >= self.state.lookup.max_pages:
            raise self.incomplete(
                f"the listing goes on past KeyLookup.max_pages ({self.state.lookup.max_pages})",
                "bound",
            )
        try:
            page: Page[Flow] = yield from call(page_op(self.first, path), self.budget)
        except APIError as exc:
            raise self.incomplete(f"page {self.pages + 1} could not be read ({exc})") from exc
        self.pages += 1
        self.flows += len(page.items)
        times = [flow.created_at for flow in page.items if flow.created_at is not None]
        self.oldest = min([*times, self.oldest] if self.oldest else times, default=None)
        self.state.index.ingest(page.items)
        for flow in page.items:
            marker = flow._marker
            if isinstance(marker, Marker) and marker.key == self.need.key:
                self.found[flow.id] = flow
        if page.next is None:
            return page.items, None
        link = resolve_link(self.state.settings.base_url, path, page.next)
        if link is None:
            raise self.incomplete("a next link leaves the client's base URL", "links")
        if link in self.seen:
            raise self.incomplete("a next link leads back to a page already read", "links")
        self.seen.add(link)
        return page.items, link

    def read(self, coverage: Coverage | None, started: float) -> Job[Coverage]:
        """Bring the coverage up to the need: a whole read, a refresh, or a deeper one."""
        try:
            if coverage is None or coverage.order == "unknown":
                return (yield from self.whole(started))
            if coverage.started >= self.need.fresh:
                return (yield from self.deeper(coverage))
            if coverage.order == "ascending":
                return (yield from self.tail(coverage, started))
            top = yield from self.top(coverage, started)
            return (yield from self.deeper(top))
        except _Restart:
            self.state.index.reset()
            return (yield from self.whole(started))

    def whole(self, started: float) -> Job[Coverage]:
        """Read from the first page: to the end, or newest first to the need's bound."""
        path = self.first.target
        scan = _Scan()
        while True:
            flows, following = yield from self.page(path)
            scan.add(path, flows)
            if following is None:
                tail = tuple(scan.tail)
                return Coverage(scan.order, started, scan.newest, self.oldest, True, tail=tail)
            partial = Coverage("descending", started, scan.newest, self.oldest, False, following)
            if scan.order == "descending" and _deep(partial, self.need, self.window):
                return partial
            path = following

    def tail(self, coverage: Coverage, started: float) -> Job[Coverage]:
        """Oldest first: re-read from the last pages known to the end."""
        known = coverage.newest
        if known is None or not coverage.tail:
            raise _Restart
        settled = known - timedelta(seconds=SETTLE)
        start = next(
            (p for p in reversed(coverage.tail) if p.first is not None and p.first <= settled),
            coverage.tail[0],
        )
        scan = _Scan(known, coverage.tail[: coverage.tail.index(start)])
        path: str | None = start.path
        first = True
        while path is not None:
            flows, following = yield from self.page(path)
            if first and (not flows or flows[0].created_at is None or flows[0].created_at > known):
                raise _Restart  # the page moved (flows deleted): what is before it is unread
            first = False
            scan.add(path, flows)
            if scan.down:
                raise _Restart  # not oldest first after all
            path = following
        return Coverage(
            "ascending", started, scan.newest, coverage.oldest, True, tail=tuple(scan.tail)
        )

    def top(self, coverage: Coverage, started: float) -> Job[Coverage]:
        """Newest first: read from the first page down to what the index already knew."""
        known = coverage.newest
        if known is None:
            raise _Restart
        settled = _believed(known) - timedelta(seconds=SETTLE)
        scan = _Scan(known)
        path: str | None = self.first.target
        while path is not None:
            flows, following = yield from self.page(path)
            scan.add(path, flows)
            if scan.up:
                raise _Restart  # not newest first after all
            if flows and flows[-1].created_at is not None and flows[-1].created_at <= settled:
                oldest = min(filter(None, (coverage.oldest, self.oldest)), default=None)
                return attrs.evolve(coverage, started=started, newest=scan.newest, oldest=oldest)
            path = following
        return Coverage("descending", started, scan.newest, self.oldest, True)

    def deeper(self, coverage: Coverage) -> Job[Coverage]:
        """Newest first: go on from where the last read stopped, down to the need's bound."""
        while not (coverage.to_end or _deep(coverage, self.need, self.window)):
            if coverage.resume is None:
                raise _Restart
            self.oldest = coverage.oldest
            _, following = yield from self.page(coverage.resume)
            coverage = attrs.evolve(
                coverage, oldest=self.oldest, resume=following, to_end=following is None
            )
        return coverage

    def read_flow(self, flow_id: str) -> Job[bool]:
        """Read one flow the listing gave without ``additional`` (claimed: given back if not)."""
        index = self.state.index
        try:
            flow: Flow = yield from call(get_flow_op(flow_id), self.state.budget())
        except NotFoundError:
            index.forget(flow_id)  # deleted since it was listed
            return True
        except BaseException as exc:
            index.unclaim(flow_id)  # another call may try it
            if isinstance(exc, APIError):
                raise self.incomplete(f"flow {flow_id} could not be read ({exc})") from exc
            raise
        index.resolved(flow)
        if isinstance(flow._marker, Marker) and flow._marker.key == self.need.key:
            self.found[flow.id] = flow
        return True
