"""What must not cross ``os.fork()``: locks held by the parent's threads, and its pools.

A lock held by another thread at the fork stays held in the child for ever, and a child
on its parent's keep-alive connections would read the parent's answers.
"""

from __future__ import annotations

import os
import threading
import weakref
from typing import Protocol


class Renewable(Protocol):
    """Something that must renew its locks (or pools) in a forked child."""

    def after_fork(self) -> None:
        """Drop what belongs to the parent's threads; called in the child only."""


_RENEW: weakref.WeakValueDictionary[int, Renewable] = weakref.WeakValueDictionary()


def renew_after_fork(owner: Renewable) -> None:
    """Have ``owner.after_fork()`` called in every child forked while it lives."""
    _RENEW[id(owner)] = owner


#: Old lock -> its replacement, during one renewal: objects sharing a lock keep sharing one.
_FRESH: dict[int, threading.Lock] = {}


def fresh_lock(old: object) -> threading.Lock:
    """Return the replacement of ``old`` in a forked child (the same one for every sharer)."""
    return _FRESH.setdefault(id(old), threading.Lock())


def _in_child() -> None:
    try:
        for owner in list(_RENEW.values()):
            owner.after_fork()
    finally:
        _FRESH.clear()


if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=_in_child)
