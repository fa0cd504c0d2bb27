"""What a JSON answer may become once parsed: bounded before parsing, and per listing.

``max_response_bytes`` bounds an answer's bytes, but not what they become: a page of
minimal entries (``{"id":"a","state":"s"}``, 23 bytes) costs about 385 bytes each as a
parsed :class:`~generio.Flow`, and ``[{},{},...]`` about 70 bytes per 3 on the wire. So:

* :data:`MAX_JSON_VALUES`: an answer's JSON values are counted before ``json.loads`` (a
  C-speed count of ``,``, ``{`` and ``[``, an upper bound); more, and it is not parsed.
  Parsing 400,000 values of the costliest shape peaks at about 55 MB (measured with
  ``tracemalloc``); a page of 10,000 real flow entries holds about 170,000.
* :data:`MAX_PAGE_ENTRIES`: entries of one list answer (a page of flows, a flow's outputs,
  the templates).
* :data:`MAX_LISTING_ENTRIES`: entries of one listing, every page together (``flows.list``,
  the look-ups by idempotency key): room for accounts of tens of thousands of flows.

Past any of them the call raises :class:`~generio.ResponseTooLargeError` (not retried:
the same answer would come again). No module of generio is imported here, so the error
body reader can use it too.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "MAX_JSON_VALUES",
    "MAX_LISTING_ENTRIES",
    "MAX_PAGE_ENTRIES",
    "json_values",
    "too_many_values",
]

#: The most JSON values one answer may hold (an upper bound counted before parsing).
MAX_JSON_VALUES: Final = 400_000
#: The most entries one page of a list answer may hold.
MAX_PAGE_ENTRIES: Final = 10_000
#: The most entries one listing may hold, all its pages together.
MAX_LISTING_ENTRIES: Final = 100_000


def json_values(body: bytes | str) -> int:
    """Return an upper bound of the JSON values in ``body``, without parsing it.

    Every value but the first follows a ``,`` or opens an object or array (a ``:`` comes
    with a ``,`` or a ``{``): separators inside strings only make the bound higher.
    """
    if isinstance(body, str):
        return body.count(",") + body.count("{") + body.count("[") + 1
    return body.count(b",") + body.count(b"{") + body.count(b"[") + 1


def too_many_values(body: bytes | str) -> bool:
    """Whether ``body`` may hold more than :data:`MAX_JSON_VALUES` values."""
    return len(body) > MAX_JSON_VALUES and json_values(body) > MAX_JSON_VALUES
