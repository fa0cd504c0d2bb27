"""Everything one emulator instance owns, shared by its app and its control plane."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable

from generio.testing._faults import Fault, FaultPlan
from generio.testing._listing import Listing
from generio.testing._store import Store

__all__ = ["Core"]


class Core:
    """The store, the fault plan and the key of one emulator.

    Args:
        api_key: The only key the emulator accepts.
        flow_seconds: How long flows run; restored by :meth:`reset`.
        seed: Seeds fault injection.
        faults: Faults configured from the start; restored by :meth:`reset`.
        listing: How ``GET /flows`` answers; restored by :meth:`reset`.
    """

    def __init__(
        self,
        api_key: str,
        flow_seconds: float,
        seed: int | None,
        faults: Iterable[Fault],
        listing: Listing | None = None,
    ) -> None:
        self.api_key = api_key
        #: Requests served per operation (authenticated ones, faults included).
        self.requests: Counter[str] = Counter()
        self._listing = listing or Listing()
        self.store = Store(flow_seconds, dataclasses.replace(self._listing))
        self.plan = FaultPlan(seed)
        self._flow_seconds = flow_seconds
        self._faults = tuple(faults)
        for fault in self._faults:
            self.plan.add(fault)

    def reset(self) -> None:
        """Back to the state right after construction: no flows, empty ledger and log."""
        self.store.reset(self._flow_seconds, dataclasses.replace(self._listing))
        self.requests.clear()
        self.plan.reset()
        for fault in self._faults:
            self.plan.add(fault)
