"""The ledger: one entry per flow ever created, deleted ones included.

The service bills every created flow and does not de-duplicate retried requests; the ledger
is how a test counts the flows a client really created, and how a benchmark learns the
exact moment the emulator marked each flow completed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from attrs import frozen

from generio.testing._clock import from_iso

__all__ = ["LedgerEntry"]


def _when(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _parse(value: str | None) -> datetime | None:
    return None if value is None else from_iso(value)


@frozen
class LedgerEntry:
    """One flow as the emulator saw it, as of the moment the ledger was read.

    Attributes:
        flow_id: The flow's id.
        template: The template's name.
        parameters: The parameters after defaults were applied.
        additional: The flow's ``additional``.
        input_count: How many inputs the flow had (at creation plus uploads).
        state: Its state as of the read (or of its deletion); never a fault's fake state.
        created_at: When it was created (UTC).
        started_at: When it started, or None.
        finished_at: When it reached a terminal state, or None.
        completed_at: When the emulator marked it ``completed``; None unless it completed.
        deleted: Whether a client deleted it.
    """

    flow_id: str
    template: str
    parameters: dict[str, Any]
    additional: Any
    input_count: int
    state: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    completed_at: datetime | None
    deleted: bool

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict, for the control plane of a child-process emulator."""
        return {
            "flow_id": self.flow_id,
            "template": self.template,
            "parameters": self.parameters,
            "additional": self.additional,
            "input_count": self.input_count,
            "state": self.state,
            "created_at": self.created_at.isoformat(),
            "started_at": _when(self.started_at),
            "finished_at": _when(self.finished_at),
            "completed_at": _when(self.completed_at),
            "deleted": self.deleted,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LedgerEntry:
        """Rebuild an entry from :meth:`to_json`'s output."""
        return cls(
            flow_id=data["flow_id"],
            template=data["template"],
            parameters=data["parameters"],
            additional=data["additional"],
            input_count=data["input_count"],
            state=data["state"],
            created_at=from_iso(data["created_at"]),
            started_at=_parse(data["started_at"]),
            finished_at=_parse(data["finished_at"]),
            completed_at=_parse(data["completed_at"]),
            deleted=data["deleted"],
        )
