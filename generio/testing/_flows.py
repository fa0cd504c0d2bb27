"""A flow's record and its timeline, computed from the clock whenever it is read.

Nothing ticks in the background: a flow stores when it started (and was aborted), and its
state, progress and outputs follow from those moments. Reading is cheap, the moments are
exact, and 200 concurrent flows cost nothing while nobody looks at them.

Timeline of a flow started at ``t0`` with ``d`` = flow_seconds and ``n`` inputs:
``starting`` for the first 10% of ``d``, then ``running``; ``completed`` at ``t0 + d``.
Input ``i`` is processed at ``t0 + d * (i + 1) / n``. A flow that fails (a broken input, or
the ``fail_flow`` fault on its last input) fails halfway through that input. An abort at
``ta`` freezes progress, shows ``aborting`` for 10% of ``d``, then ``aborted``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from generio.testing._clock import iso, new_object_id
from generio.testing._faults import Fault, FaultKind
from generio.testing._inputs import ParsedInput
from generio.testing._templates import TemplateSpec

__all__ = [
    "ACTIVE",
    "STATE_ORDER",
    "TERMINAL",
    "Flow",
    "InputAsset",
    "OutputAsset",
    "Snapshot",
    "asset_json",
    "flow_json",
]

STATE_ORDER = ("created", "starting", "running", "aborting", "completed", "aborted", "failed")
TERMINAL = frozenset({"completed", "aborted", "failed"})
ACTIVE = frozenset({"starting", "running", "aborting"})
_STARTING_SHARE = 0.1
_ABORTING_SHARE = 0.1


@dataclass(slots=True, eq=False)
class InputAsset:
    """An uploaded input."""

    asset_id: str
    parsed: ParsedInput
    additional: Any
    processed: float


@dataclass(slots=True, eq=False)
class OutputAsset:
    """An output: ready with data (rendered on first request) or failed with an error."""

    asset_id: str
    source: InputAsset
    processed: float
    error: str | None = None
    data: str | None = None


@dataclass(slots=True, frozen=True)
class Snapshot:
    """A flow as of one moment: ``state`` is the true one, ``shown`` what the API reports."""

    state: str
    shown: str
    progress: float
    finished_at: float | None


@dataclass(slots=True, eq=False)
class Flow:
    """One flow and everything needed to compute its state at any moment."""

    flow_id: str
    template: TemplateSpec
    parameters: dict[str, Any]
    additional: Any
    created_at: float
    fault: Fault | None
    inputs: list[InputAsset] = field(default_factory=list)
    input_count: int = 0
    duration: float = 0.0
    started_at: float | None = None
    abort_at: float | None = None
    deleted: bool = False
    final: Snapshot | None = None
    outputs: list[OutputAsset] | None = None
    created_iso: str = ""

    def __post_init__(self) -> None:
        self.created_iso = iso(self.created_at)

    def _failure(self) -> tuple[int, str] | None:
        """Which input fails and why, if the flow is going to fail."""
        for index, asset in enumerate(self.inputs):
            if asset.parsed.problem is not None:
                return index, asset.parsed.problem
        if self.fault is not None and self.fault.kind is FaultKind.FAIL_FLOW and self.inputs:
            return len(self.inputs) - 1, "processing failed (fault injected by the emulator)"
        return None

    def _progress(self, moment: float) -> float:
        assert self.started_at is not None  # noqa: S101 - callers checked
        if self.duration <= 0:
            return 1.0
        return min(1.0, max(0.0, (moment - self.started_at) / self.duration))

    def _end(self) -> tuple[str, float, float]:
        """Return the terminal state a running flow heads for, when, and its progress then."""
        assert self.started_at is not None  # noqa: S101 - callers checked
        failure = self._failure()
        if failure is None:
            return "completed", self.started_at + self.duration, 1.0
        share = (failure[0] + 0.5) / len(self.inputs)
        return "failed", self.started_at + self.duration * share, share

    def snapshot(self, moment: float) -> Snapshot:
        """Compute the flow's state, progress and finish time as of ``moment``."""
        if self.final is not None:
            return self.final
        if self.started_at is None:
            return Snapshot("created", "created", 0.0, None)
        if self.abort_at is not None:
            frozen_progress = self._progress(self.abort_at)
            done = self.abort_at + self.duration * _ABORTING_SHARE
            if moment >= done:
                return Snapshot("aborted", "aborted", frozen_progress, done)
            return Snapshot("aborting", "aborting", frozen_progress, None)
        final_state, end, end_progress = self._end()
        if moment >= end:
            return Snapshot(final_state, final_state, end_progress, end)
        progress = min(end_progress, self._progress(moment))
        state = (
            "starting" if moment < self.started_at + self.duration * _STARTING_SHARE else "running"
        )
        shown = state
        fault = self.fault
        unknown = fault is not None and fault.kind is FaultKind.UNKNOWN_STATE
        if unknown and fault is not None and moment < self.started_at + self.duration / 2:
            shown = fault.state
        return Snapshot(state, shown, progress, None)

    def settle_outputs(self, snapshot: Snapshot) -> list[OutputAsset]:
        """Return a terminal flow's outputs, fixed on first call.

        Partial when the flow failed (the failing input's output carries the error) or was
        aborted (only inputs processed before the abort have outputs).
        """
        if self.outputs is not None:
            return self.outputs
        assert self.started_at is not None  # noqa: S101 - terminal flows have started
        count = len(self.inputs)
        outputs: list[OutputAsset] = []
        failure = self._failure() if snapshot.state == "failed" else None
        for index, source in enumerate(self.inputs):
            done = self.started_at + self.duration * (index + 1) / count
            if failure is not None and index == failure[0]:
                assert snapshot.finished_at is not None  # noqa: S101 - terminal
                outputs.append(
                    OutputAsset(new_object_id(), source, snapshot.finished_at, error=failure[1])
                )
                break
            if snapshot.state == "aborted" and self.abort_at is not None and done > self.abort_at:
                break
            outputs.append(OutputAsset(new_object_id(), source, done))
        self.outputs = outputs
        return outputs


def flow_json(flow: Flow, snap: Snapshot) -> dict[str, Any]:
    """Render the Flow object of the API."""
    return {
        "flow_id": flow.flow_id,
        "template": flow.template.name,
        "parameters": flow.parameters,
        "additional": flow.additional,
        "state": snap.shown,
        "progress": snap.progress,
        "created_at": flow.created_iso,
        "started_at": None if flow.started_at is None else iso(flow.started_at),
        "finished_at": None if snap.finished_at is None else iso(snap.finished_at),
    }


def asset_json(
    asset_id: str, processed: float, additional: Any, error: str | None = None
) -> dict[str, Any]:
    """Render the Asset object of the API, without ``data`` (the caller adds it)."""
    return {
        "asset_id": asset_id,
        "status": "error" if error else "ready",
        "processed": iso(processed),
        "additional": additional,
        "error": error,
    }
