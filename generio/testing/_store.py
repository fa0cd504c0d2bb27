"""The emulator's state: flows, their assets, the ledger; every API rule about state.

Thread-safe (one lock), because the app runs on the server's event loop while a test's
thread reads the ledger or resets. Heavy work (decoding inputs, rendering outputs) happens
outside the lock, in the app.
"""

from __future__ import annotations

import threading
from typing import Any

from generio.testing._clock import new_object_id, now, to_datetime
from generio.testing._faults import Fault
from generio.testing._flows import (
    ACTIVE,
    STATE_ORDER,
    TERMINAL,
    Flow,
    InputAsset,
    OutputAsset,
    Snapshot,
    flow_json,
)
from generio.testing._inputs import ParsedInput
from generio.testing._ledger import LedgerEntry
from generio.testing._listing import Listing, history
from generio.testing._templates import TemplateSpec

__all__ = ["Conflict", "NotFound", "Store"]


class NotFound(Exception):
    """No such flow or asset: a 404 with ``detail``."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class Conflict(Exception):
    """The flow's state forbids the request: a 409 with ``detail``."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def _sort_key(field: str, flow: Flow, snap: Snapshot) -> tuple[bool, float, float, str]:
    value: float | None
    if field in ("state", "status"):
        value = float(STATE_ORDER.index(snap.state))
    elif field == "progress":
        value = snap.progress
    elif field == "started_at":
        value = flow.started_at
    elif field == "finished_at":
        value = snap.finished_at
    else:
        value = flow.created_at
    return (value is None, value or 0.0, flow.created_at, flow.flow_id)


class Store:
    """All flows, and the ledger of every flow ever created.

    Args:
        flow_seconds: How long a flow runs from start to completion.
        listing: How ``GET /flows`` answers (pages, order, ``additional``).
    """

    def __init__(self, flow_seconds: float, listing: Listing | None = None) -> None:
        self.flow_seconds = flow_seconds
        self.listing = listing or Listing()
        self._lock = threading.Lock()
        self._flows: dict[str, Flow] = {}
        self._ordered: list[Flow] = []  # by creation time, oldest first
        self._ledger: list[Flow] = []

    def _flow(self, flow_id: str) -> Flow:
        flow = self._flows.get(flow_id)
        if flow is None:
            raise NotFound(f"Flow {flow_id!r} not found")
        return flow

    def _start(self, flow: Flow, moment: float) -> None:
        flow.duration = max(0.0, self.flow_seconds)
        flow.started_at = moment

    def create(
        self,
        template: TemplateSpec,
        parameters: dict[str, Any],
        additional: Any,
        inputs: list[tuple[ParsedInput, Any]],
        fault: Fault | None,
    ) -> dict[str, Any]:
        """Create a flow; with inputs it starts at once. Returns the Flow object."""
        moment = now()
        flow = Flow(new_object_id(), template, parameters, additional, moment, fault)
        flow.inputs = [InputAsset(new_object_id(), p, extra, moment) for p, extra in inputs]
        flow.input_count = len(flow.inputs)
        if flow.inputs:
            self._start(flow, moment)
        with self._lock:
            self._flows[flow.flow_id] = flow
            self._ordered.append(flow)
            self._ledger.append(flow)
        return flow_json(flow, self._just_changed(flow, moment))

    def prefill(
        self, count: int, keyed: int, span: float, templates: tuple[str, ...]
    ) -> dict[str, str]:
        """Add an account's history: ``count`` completed flows over the last ``span`` s.

        Not in the ledger (nobody created them through the API). Returns the keyed ones'
        ``key -> flow id``; see :func:`~generio.testing._listing.history`.
        """
        flows, keys = history(count, keyed, span, templates, now() - 2.0)
        with self._lock:
            for flow in flows:
                self._flows[flow.flow_id] = flow
            self._ordered = sorted([*flows, *self._ordered], key=lambda f: f.created_at)
        return keys

    @staticmethod
    def _just_changed(flow: Flow, moment: float) -> Snapshot:
        """Return the state a create or start answers with.

        Never past ``starting``, even with a zero flow_seconds, as the service documents.
        """
        snap = flow.snapshot(moment)
        if snap.state in TERMINAL:
            return Snapshot("starting", "starting", 0.0, None)
        return snap

    def get(self, flow_id: str) -> dict[str, Any]:
        """Return the Flow object."""
        with self._lock:
            flow = self._flow(flow_id)
            return flow_json(flow, flow.snapshot(now()))

    def list_flows(self, filter_by: str | None, sort_by: str) -> list[dict[str, Any]]:
        """Every flow in ``filter_by`` state (as reported), sorted by ``sort_by``, one list."""
        rows: list[dict[str, Any]] = []
        page = 1
        while True:
            items, more = self.list_page(filter_by, sort_by, page)
            rows += items
            if not more:
                return rows
            page += 1

    def list_page(
        self, filter_by: str | None, sort_by: str, page: int
    ) -> tuple[list[dict[str, Any]], bool]:
        """One page of flows in ``filter_by`` state, by ``sort_by`` in the listing's order.

        Returns:
            The page's Flow objects, and whether a page follows.
        """
        moment = now()
        size, listing = self.listing.page_size, self.listing
        start = (page - 1) * size
        with self._lock:
            if filter_by is None and sort_by == "created_at":  # the common case: no sort
                ordered = self._ordered
                total = len(ordered)
                if listing.order == "descending":
                    chunk = ordered[max(0, total - start - size) : max(0, total - start)][::-1]
                else:
                    chunk = ordered[start : start + size]
                rows = [(flow, flow.snapshot(moment)) for flow in chunk]
            else:
                every = [(flow, flow.snapshot(moment)) for flow in self._ordered]
                if filter_by is not None:
                    every = [row for row in every if row[1].shown == filter_by]
                every.sort(key=lambda row: _sort_key(sort_by, *row))
                if listing.order == "descending":
                    every.reverse()
                total, rows = len(every), every[start : start + size]
        items = [flow_json(flow, snap) for flow, snap in rows]
        if not listing.additional:
            for item in items:
                del item["additional"]
        return items, start + size < total

    def template_for_upload(self, flow_id: str) -> TemplateSpec:
        """Return the template an upload must suit, once sure the flow takes uploads."""
        with self._lock:
            flow = self._flow(flow_id)
            self._require_created(flow, "add inputs to")
            return flow.template

    def _require_created(self, flow: Flow, what: str) -> None:
        state = flow.snapshot(now()).state
        if state != "created":
            raise Conflict(
                f"Flow {flow.flow_id!r} is {state}; you can only {what} a flow in state created"
            )

    def upload(self, flow_id: str, parsed: ParsedInput, additional: Any) -> InputAsset:
        """Add an input to a flow in ``created``."""
        with self._lock:
            flow = self._flow(flow_id)
            self._require_created(flow, "add inputs to")
            asset = InputAsset(new_object_id(), parsed, additional, now())
            flow.inputs.append(asset)
            flow.input_count = len(flow.inputs)
            return asset

    def act(self, flow_id: str, action: str) -> dict[str, Any]:
        """Apply ``start`` or ``abort``; returns the Flow object after the change."""
        moment = now()
        with self._lock:
            flow = self._flow(flow_id)
            state = flow.snapshot(moment).state
            if action == "start":
                if state != "created":
                    raise Conflict(
                        f"Flow {flow_id!r} is {state}; only a flow in state created can be "
                        "started (flows created with inputs start by themselves)"
                    )
                if not flow.inputs:
                    raise Conflict(f"Flow {flow_id!r} has no inputs; upload one before starting")
                self._start(flow, moment)
                return flow_json(flow, self._just_changed(flow, moment))
            if state not in ("starting", "running"):
                raise Conflict(
                    f"Flow {flow_id!r} is {state}; only starting or running flows can be aborted"
                )
            flow.abort_at = moment
            return flow_json(flow, flow.snapshot(moment))

    def delete(self, flow_id: str) -> None:
        """Remove a flow and its assets; the ledger keeps a record."""
        moment = now()
        with self._lock:
            flow = self._flow(flow_id)
            snap = flow.snapshot(moment)
            if snap.state in ACTIVE:
                raise Conflict(
                    f"Flow {flow_id!r} is {snap.state}; it can only be deleted when created, "
                    "completed, aborted or failed"
                )
            del self._flows[flow_id]
            self._ordered.remove(flow)
            flow.final = snap
            flow.deleted = True
            flow.inputs = []
            flow.outputs = None

    def inputs(self, flow_id: str) -> list[InputAsset]:
        """Return a flow's inputs, in upload order."""
        with self._lock:
            return list(self._flow(flow_id).inputs)

    def input(self, flow_id: str, asset_id: str) -> InputAsset:
        """One input of a flow."""
        for asset in self.inputs(flow_id):
            if asset.asset_id == asset_id:
                return asset
        raise NotFound(f"Input {asset_id!r} not found in flow {flow_id!r}")

    def outputs(self, flow_id: str) -> tuple[Flow, list[OutputAsset]]:
        """Return a terminal flow's outputs (partial for aborted and failed flows)."""
        with self._lock:
            flow = self._flow(flow_id)
            snap = flow.snapshot(now())
            if snap.state not in TERMINAL:
                raise Conflict(
                    f"Flow {flow_id!r} is {snap.state}; outputs are available once it is "
                    "completed, aborted or failed"
                )
            return flow, list(flow.settle_outputs(snap))

    def output(self, flow_id: str, asset_id: str) -> tuple[Flow, OutputAsset]:
        """One output of a terminal flow."""
        flow, outputs = self.outputs(flow_id)
        for asset in outputs:
            if asset.asset_id == asset_id:
                return flow, asset
        raise NotFound(f"Output {asset_id!r} not found in flow {flow_id!r}")

    def ledger(self) -> list[LedgerEntry]:
        """Every flow ever created, oldest first, as of now."""
        moment = now()
        with self._lock:
            rows = [(flow, flow.snapshot(moment)) for flow in self._ledger]
        entries = []
        for flow, snap in rows:
            finished = None if snap.finished_at is None else to_datetime(snap.finished_at)
            entries.append(
                LedgerEntry(
                    flow_id=flow.flow_id,
                    template=flow.template.name,
                    parameters=flow.parameters,
                    additional=flow.additional,
                    input_count=flow.input_count,
                    state=snap.state,
                    created_at=to_datetime(flow.created_at),
                    started_at=None if flow.started_at is None else to_datetime(flow.started_at),
                    finished_at=finished,
                    completed_at=finished if snap.state == "completed" else None,
                    deleted=flow.deleted,
                )
            )
        return entries

    def reset(self, flow_seconds: float, listing: Listing | None = None) -> None:
        """Forget every flow and the ledger; the listing's options back to ``listing``."""
        with self._lock:
            self._flows = {}
            self._ordered = []
            self._ledger = []
            self.flow_seconds = flow_seconds
            self.listing = listing or Listing()
