"""What a JSON answer may become once parsed: bounded before parsing, and per listing."""

from __future__ import annotations

from typing import Final

#: The most JSON values one answer may hold (an upper bound counted before parsing).
MAX_JSON_VALUES: Final = 400_000
#: The most entries one page of a list answer may hold.
MAX_PAGE_ENTRIES: Final = 10_000
#: The most entries one listing may hold, all its pages together.
MAX_LISTING_ENTRIES: Final = 100_000


def json_values(body: bytes | str) -> int:
    """Return an upper bound of the JSON values in ``body``, without parsing it."""
    if isinstance(body, str):
        return body.count(",") + body.count("{") + body.count("[") + 1
    return body.count(b",") + body.count(b"{") + body.count(b"[") + 1


def too_many_values(body: bytes | str) -> bool:
    """Whether ``body`` may hold more than :data:`MAX_JSON_VALUES` values."""
    return len(body) > MAX_JSON_VALUES and json_values(body) > MAX_JSON_VALUES
