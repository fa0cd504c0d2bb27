"""The closed vocabularies of the API as ``Literal`` types, so a typo fails the type check."""

from __future__ import annotations

from typing import Literal, TypeAlias

#: A flow's state: where it is in its life.
FlowState: TypeAlias = Literal[
    "created", "starting", "running", "aborting", "completed", "aborted", "failed"
]
#: The fields ``flows.list(sort_by=...)`` sorts by (ascending).
FlowSortField: TypeAlias = Literal[
    "created_at", "state", "status", "progress", "started_at", "finished_at"
]
#: What ``PATCH /flows/{id}`` can ask of a flow (``flows.start``, ``flows.abort``).
FlowAction: TypeAlias = Literal["start", "abort"]
