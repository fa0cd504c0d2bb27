"""The error of a key lookup that could not read all it needed (``_jobs/listing.py``).

Part of the hierarchy of ``generio._errors`` (an :class:`~generio.APIError`), kept apart so
that module stays small.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from generio._errors import APIError

if TYPE_CHECKING:
    from datetime import datetime

__all__ = ["LookupIncompleteError"]


class LookupIncompleteError(APIError):
    """Looking for the flow an idempotency key made could not read all it needed to.

    Raised instead of creating (a flow the lookup missed would be billed twice): the listing
    went past ``KeyLookup.max_pages``, or a page or a flow could not be read, or a ``next``
    link left the base URL. Nothing was created by the call that raised it; after a lost
    answer, the first request may have made a flow, and nothing more was sent.

    Attributes:
        key: the idempotency key looked for.
        reason: what stopped the lookup.
        pages: list pages read by this lookup.
        flows: flows those pages held.
        oldest: the oldest creation time reached, when the listing gave times.

    ``listing`` is the request of the listing's pages (``GET /flows``), for the message.
    """

    def __init__(
        self,
        key: str,
        reason: str,
        *,
        pages: int,
        flows: int,
        oldest: datetime | None,
        after: str,
        listing: str = "",
    ) -> None:
        self.key = key
        self.reason = reason
        self.pages = pages
        self.flows = flows
        self.oldest = oldest
        reached = f", back to {oldest.isoformat()}" if oldest is not None else ""
        if after:  # a create whose answer was lost: its flow may exist
            advice = (
                "It was not sent again: a flow it made would be billed twice. What to do: "
                f"look for it with flows.find(idempotency_key={key!r}) once the service "
                "answers, before creating again."
            )
        else:
            advice = (
                "Nothing was created, so nothing can be billed twice. What to do: try again "
                "later, raise KeyLookup(max_pages=...), or pass "
                "KeyLookup(on_incomplete='create') to create anyway."
            )
        super().__init__(
            f"{after}could not tell whether a flow with idempotency key {key!r} exists: {reason} "
            f"(read {pages} page(s) of {listing or 'the flow listing'}, {flows} flow(s){reached}). "
            f"{advice}",
            method=listing.partition(" ")[0],
            path=listing.partition(" ")[2],
        )
