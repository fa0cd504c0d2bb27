"""The small types of the public calls' options, and their checks."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Literal

import attrs

from generio._errors import ConfigurationError, InputError, check_count

#: What ``run()`` (and a batch) does with its flow when interrupted: ``"abort"`` it,
#: ``"keep"`` it running, or ``"auto"`` (the default of the library and the CLI alike):
#: keep it when the call has the caller's ``idempotency_key`` (a re-run with that key
#: collects it, paying nothing more), abort it otherwise (nobody could find it again).
OnInterrupt = Literal["auto", "abort", "keep"]
ON_INTERRUPT: tuple[OnInterrupt, ...] = ("auto", "abort", "keep")


def check_on_interrupt(mode: object, where: str = "") -> None:
    """Refuse an ``on_interrupt`` that is none of :data:`ON_INTERRUPT`."""
    if mode not in ON_INTERRUPT:
        raise InputError(f"{where}on_interrupt must be 'auto', 'abort' or 'keep', not {mode!r}.")


def resolve(mode: str, keyed: bool) -> Literal["abort", "keep"]:
    """Return the fate ``mode`` gives a flow: ``"auto"`` keeps a keyed call's, aborts others."""
    return "keep" if mode == "keep" or (mode == "auto" and keyed) else "abort"


#: What a create does when the lookup of its key could not read all it needed.
OnIncomplete = Literal["raise", "create"]

#: The default key window: 24 hours, as payment APIs keep their idempotency keys.
DEFAULT_WINDOW = 24 * 3600.0
#: The default bound on the list pages one lookup reads: 100,000 flows at 10 a page (the
#: service's page size is not documented).
DEFAULT_MAX_PAGES = 10_000


def _seconds(value: float | timedelta) -> float:
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigurationError(f"window must be seconds or a timedelta, not {value!r}.")
    return float(value)


def _check_window(_: object, __: object, value: float) -> None:
    if not (value > 0 and math.isfinite(value)):
        raise ConfigurationError(f"window must be a positive, finite duration, not {value!r}.")


def _check_mode(_: object, __: object, value: object) -> None:
    if value not in ("raise", "create"):
        raise ConfigurationError(f"on_incomplete must be 'raise' or 'create', not {value!r}.")


@attrs.frozen
class KeyLookup:
    """How a client looks for the flow an idempotency key made (README: "Idempotency keys").

    ``Generio(key_lookup=KeyLookup(window=timedelta(hours=48)))``. A client reads the
    account's listing (``GET /flows``) once, remembers the keys it saw, and later reads only
    what is new; a batch reads it at most once.

    Args:
        window: how long after its flow was created a key is sure to be found (seconds or a
            ``timedelta``; 24 hours). Where the listing is newest first, a lookup stops at
            flows older than this; oldest first, it must read to the end anyway, and finds
            any key on the pages. When list entries leave ``additional`` out, only flows
            inside the window are read one by one for their keys.
        max_pages: the most list pages one lookup reads (10,000: 100,000 flows at 10 a
            page). A lookup that needs more raises :class:`~generio.LookupIncompleteError`.
        on_incomplete: what a create does when its lookup could not read all it needed (the
            page bound, a page or flow that could not be read): ``"raise"``
            :class:`~generio.LookupIncompleteError` and create nothing, or ``"create"``
            anyway (logged at WARNING): a flow the lookup missed is then billed twice.

    Raises:
        ConfigurationError: a window that is not a positive duration, a bad ``max_pages``
            or ``on_incomplete``.
    """

    window: float = attrs.field(default=DEFAULT_WINDOW, converter=_seconds, validator=_check_window)
    max_pages: int = attrs.field(
        default=DEFAULT_MAX_PAGES, validator=lambda _, __, pages: check_count("max_pages", pages, 1)
    )
    on_incomplete: OnIncomplete = attrs.field(default="raise", validator=_check_mode)
