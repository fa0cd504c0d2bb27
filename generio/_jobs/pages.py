"""Following a list answer's ``next`` link: the one place that reads every page.

The docs call ``GET /flows`` paginated but name no parameter. If a list answer carries a
``next`` link (an absolute URL, or one relative to the page that carried it), the list is
read on, page by page, by :func:`list_all_job`; ``flows.list`` and the adoption lookup after
an ambiguous create both use it, and so can any other list operation.

Bounds: at most :data:`MAX_PAGES` pages per listing, and a link seen before ends it (a
service that answers the same link again would loop forever). A link to another host, or
outside the base URL, is not followed: the request would carry the API key there. Each of
these stops is logged once (WARNING, logger ``generio``) and returns what was read so far.
A listing of more than :data:`~generio._payload.json_bounds.MAX_LISTING_ENTRIES` entries
(100,000, every page together; each page holds at most ``MAX_PAGE_ENTRIES``) raises
:class:`~generio.ResponseTooLargeError`: it bounds what a hostile service can make a
listing cost in memory (about 40 MB of minimal entries, parsed), with room for accounts of
tens of thousands of flows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urljoin, urlsplit, urlunsplit

from generio._degrade import degraded
from generio._http.bounded import too_many
from generio._http.operations import Operation, list_flows_op, page_op
from generio._http.policy import Budget
from generio._jobs.effects import Job
from generio._jobs.retries import call
from generio._jobs.state import ClientState
from generio._payload.json_bounds import MAX_LISTING_ENTRIES
from generio._payload.models import Flow

if TYPE_CHECKING:
    from generio._payload.wire import Page

__all__ = ["MAX_PAGES", "list_all_job", "list_flows_job", "resolve_link"]

T = TypeVar("T")

#: The most pages one listing reads (at the service's page size, thousands of flows).
MAX_PAGES = 100


def resolve_link(base_url: str, current: str, link: str) -> str | None:
    """Return the path and query (relative to ``base_url``) a ``next`` link points to, or None.

    Args:
        base_url: the client's base URL.
        current: the path and query of the page that carried the link.
        link: the link as the service sent it, absolute or relative.

    Returns:
        None when the link leaves the base URL (another scheme, host, port or path prefix).
    """
    base = base_url.rstrip("/")
    target = urlsplit(urljoin(base + current, link))
    root = urlsplit(base)
    prefix = root.path.rstrip("/")
    same_origin = (target.scheme, target.netloc) == (root.scheme, root.netloc)
    if not same_origin or not (target.path == prefix or target.path.startswith(prefix + "/")):
        return None
    path = target.path[len(prefix) :] or "/"
    return urlunsplit(("", "", path, target.query, ""))


def list_all_job(
    state: ClientState, first: Operation[Page[T]], budget: Budget | None = None
) -> Job[list[T]]:
    """Every entry of a list, following ``next`` links within the bounds above.

    Args:
        state: the client's state (base URL, budgets).
        first: the operation of the first page.
        budget: the retry budget the pages share (one logical call); a fresh one if None.

    Raises:
        ResponseTooLargeError: the listing holds more than ``MAX_LISTING_ENTRIES``.
    """
    budget = budget if budget is not None else state.budget()
    op = first
    items: list[T] = []
    seen: set[str] = set()
    for _ in range(MAX_PAGES):
        page: Page[T] = yield from call(op, budget)
        items.extend(page.items)
        if len(items) > MAX_LISTING_ENTRIES:
            raise too_many(
                "GET", first.path, MAX_LISTING_ENTRIES, "entries in one listing (all its pages)"
            )
        if page.next is None:
            return items
        path = resolve_link(state.settings.base_url, op.path, page.next)
        if path is None:
            degraded("next_link_elsewhere", f"A next link leaves {state.settings.base_url}.")
            return items
        if path in seen:
            degraded("next_link_loop", "A next link pointed to a page already read.")
            return items
        seen.add(path)
        op = page_op(first, path)
    degraded("too_many_pages", f"A list had more than {MAX_PAGES} pages; the rest is unread.")
    return items


def list_flows_job(
    state: ClientState, flow_state: str | None, sort_by: str | None, budget: Budget | None = None
) -> Job[list[Flow]]:
    """All the account's flows (every page), optionally filtered and sorted.

    Raises:
        InputError: ``sort_by`` is not a field the API sorts by.
    """
    return (yield from list_all_job(state, list_flows_op(flow_state, sort_by), budget))
