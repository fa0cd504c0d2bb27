"""``client.flows`` of :class:`~generio.AsyncGenerio`: the jobs of ``flow_jobs.py``, awaited."""

from __future__ import annotations

import builtins
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generio._jobs.options import OnInterrupt
from generio._payload.models import Asset, Flow, ProgressCallback, Template
from generio._surface import flow_jobs as jobs
from generio._types import FlowSortField, FlowState

if TYPE_CHECKING:
    from generio._drivers.asynchronous import AsyncDriver
    from generio._drivers.streams import AsyncOutputStream


class AsyncFlows:
    """``client.flows`` of :class:`AsyncGenerio`: :class:`~generio.Flows`'s methods, awaited."""

    def __init__(self, driver: AsyncDriver) -> None:
        self._driver = driver
        self._state = driver.state

    async def create(
        self,
        template: str | Template,
        *,
        inputs: object = None,
        parameters: Mapping[str, Any] | None = None,
        additional: Any = None,
        idempotency_key: str | None = None,
        on_interrupt: OnInterrupt = "auto",
    ) -> Flow:
        """Create a flow (started at once with inputs), never twice (awaited :meth:`Flows.create`).

        Cancelled while its ``POST`` is in flight, the flow is found by its key and aborted or
        kept as ``on_interrupt`` says, shielded.
        """
        from generio._jobs.run import create_flow_job  # loaded on first create

        job = create_flow_job(
            self._state, template, inputs, parameters=parameters, additional=additional,
            idempotency_key=idempotency_key, on_interrupt=on_interrupt,
        )  # fmt: skip
        return await self._driver.drive(job)

    async def get(self, flow_id: str) -> Flow:
        """Return the flow's current state and progress (awaited :meth:`Flows.get`)."""
        from generio._http.operations import get_flow_op

        return await self._driver.drive(jobs.ask(self._state, flow_id, get_flow_op(flow_id)))

    async def list(
        self,
        *,
        state: FlowState | None = None,
        sort_by: FlowSortField | None = None,
        query: Mapping[str, Any] | None = None,
    ) -> list[Flow]:
        """Return the account's flows (awaited :meth:`Flows.list`)."""
        from generio._jobs.calls import list_flows_job

        job = list_flows_job(self._state, state, sort_by, query)
        return await self._driver.drive(job)

    async def upload_input(
        self,
        flow_id: str,
        source: object,
        *,
        additional: Any = None,
        mime_type: str | None = None,
    ) -> Asset:
        """Add one input to a flow in ``created`` (awaited :meth:`Flows.upload_input`)."""
        from generio._jobs.calls import judged
        from generio._jobs.create import upload_job

        job = upload_job(self._state, flow_id, source, additional, mime_type)
        job = judged(self._state, flow_id, "upload an input", job)
        return await self._driver.drive(jobs.about(flow_id, job))

    async def start(self, flow_id: str) -> Flow:
        """Start a flow created without inputs (awaited :meth:`Flows.start`)."""
        from generio._jobs.calls import action_job

        return await self._driver.drive(
            jobs.about(flow_id, action_job(self._state, flow_id, "start"))
        )

    async def abort(self, flow_id: str) -> Flow:
        """Abort a starting or running flow (awaited :meth:`Flows.abort`)."""
        from generio._jobs.calls import action_job

        return await self._driver.drive(
            jobs.about(flow_id, action_job(self._state, flow_id, "abort"))
        )

    async def delete(self, flow_id: str) -> None:
        """Delete a flow and its assets, irreversibly (awaited :meth:`Flows.delete`)."""
        from generio._jobs.calls import delete_job

        await self._driver.drive(jobs.about(flow_id, delete_job(self._state, flow_id)))

    async def inputs(self, flow_id: str, *, include_data: bool = False) -> builtins.list[Asset]:
        """Return the flow's inputs (awaited :meth:`Flows.inputs`)."""
        from generio._http.operations import list_inputs_op

        return await self._driver.drive(
            jobs.ask(self._state, flow_id, list_inputs_op(flow_id, include_data))
        )

    async def input(self, flow_id: str, asset_id: str) -> Asset:
        """Return one input, with its content (awaited :meth:`Flows.input`)."""
        from generio._http.operations import get_input_op

        return await self._driver.drive(
            jobs.ask(self._state, flow_id, get_input_op(flow_id, asset_id))
        )

    async def wait(
        self,
        flow_id: str,
        *,
        timeout: float | None = None,  # noqa: ASYNC109 - the public surface takes timeout=
        on_progress: ProgressCallback | None = None,
        raise_on_failure: bool = False,
        progress_interval: float | None = None,
    ) -> Flow:
        """Wait until the flow finishes, polling adaptively (awaited :meth:`Flows.wait`)."""
        from generio._jobs.run import wait_checked_job

        job = wait_checked_job(
            self._state, flow_id, timeout=timeout, on_progress=on_progress,
            raise_on_failure=raise_on_failure, progress_interval=progress_interval,
        )  # fmt: skip
        return await self._driver.drive(jobs.about(flow_id, job))

    async def outputs(self, flow_id: str, *, include_data: bool = False) -> builtins.list[Asset]:
        """Return a finished flow's outputs (awaited :meth:`Flows.outputs`)."""
        job = jobs.outputs_job(self._state, flow_id, include_data)
        return await self._driver.drive(job)

    async def output(self, flow_id: str, asset_id: str) -> Asset:
        """Return one output with its content (awaited :meth:`Flows.output`)."""
        return await self._driver.drive(jobs.one_output_job(self._state, flow_id, asset_id))

    async def download_outputs(
        self, flow_id: str, out_dir: str | os.PathLike[str]
    ) -> builtins.list[Path]:
        """Save every ready output into ``out_dir`` (awaited :meth:`Flows.download_outputs`)."""
        return await self._driver.drive(jobs.saved_outputs_job(self._state, flow_id, out_dir))

    async def download_output(
        self, flow_id: str, asset_id: str, dest: str | os.PathLike[str]
    ) -> Path:
        """Save one output into a file; return its path (awaited :meth:`Flows.download_output`)."""
        job = jobs.saved_output_job(self._state, flow_id, asset_id, dest)
        return (await self._driver.drive(job)).path

    def stream_output(self, flow_id: str, asset_id: str) -> AsyncOutputStream:
        """Return one output's decoded content as an async iterable of byte chunks.

        Not awaited itself: open it (``await .open()`` or ``async with``) to meet errors and
        learn ``.mime_type``, then iterate it with ``async for``, in this task or another
        of the same event loop.

        >>> async with client.flows.stream_output(flow_id, asset_id) as chunks:  # doctest: +SKIP
        ...     async for chunk in chunks:
        ...         await sink.write(chunk)

        Arguments, limits, retries and errors as :meth:`Flows.stream_output`.
        """
        from generio._drivers.streams import AsyncOutputStream

        return AsyncOutputStream(self._driver, flow_id, asset_id)

    async def find(self, *, idempotency_key: str, template: str | None = None) -> Flow | None:
        """Return the flow made with ``idempotency_key`` or None (awaited :meth:`Flows.find`)."""
        from generio._jobs.keys import find_job  # loaded on first use

        return await self._driver.drive(find_job(self._state, idempotency_key, template))
