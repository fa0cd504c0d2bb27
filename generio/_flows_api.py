"""``client.flows`` of both clients: create, follow and collect flows.

Each method builds a job (``generio._jobs``; the modules load on first use, so importing
the client stays light) and hands it to the client's driver.
"""

from __future__ import annotations

import builtins
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generio._drivers.outputs import AsyncOutputMethods, OutputMethods
from generio._find_api import AsyncFindMethods, FindMethods
from generio._jobs.options import OnInterrupt
from generio._models import Asset, Flow, ProgressCallback, Template
from generio._types import FlowSortField, FlowState

if TYPE_CHECKING:
    from generio._async_client import AsyncGenerio
    from generio._client import Generio

__all__ = ["AsyncFlows", "Flows"]


class Flows(OutputMethods, FindMethods):
    """``client.flows``: create, follow and collect flows."""

    def __init__(self, client: Generio) -> None:
        self._client = client
        self._state = client._state

    def create(
        self,
        template: str | Template,
        *,
        inputs: object = None,
        parameters: Mapping[str, Any] | None = None,
        additional: Any = None,
        idempotency_key: str | None = None,
        on_interrupt: OnInterrupt = "abort",
    ) -> Flow:
        """Create a flow; with inputs it starts by itself, without it waits for uploads.

        Args:
            template: a template name or id, or a :class:`Template`.
            inputs: one input or a list (see :meth:`upload_input` for the kinds), or None.
            parameters: the template's parameters; omitted ones take their defaults.
            additional: any JSON to keep with the flow; ``flow.additional`` reads it back
                exactly.
            idempotency_key: your key for this request. A later create with the same key,
                from any client or process, returns this flow instead of creating one
                (:class:`~generio.KeyLookup`). None: a random key, still exact on retries.
            on_interrupt: interrupted (Ctrl-C, cancellation) while its ``POST`` is in
                flight, the flow is found by its key and ``"abort"``-ed or ``"keep"``-ed
                running; the exception goes on with ``generio_flow_id`` and a note.

        Raises:
            InputError: an input is unusable or not accepted by the template (nothing is
                created).
            IdempotencyConflictError: the key was used before for a different template,
                parameters or inputs (nothing is created).
            LookupIncompleteError: the key's lookup could not finish (nothing is created).
            ValidationError: the service rejected the parameters.

        The key travels in ``additional`` under :data:`generio.IDEMPOTENCY_FIELD` and is
        removed from every Flow returned. A retry after an ambiguous failure adopts only
        the flow with the call's key.
        """
        from generio._jobs.run import create_flow_job  # loaded on first create

        job = create_flow_job(
            self._state, template, inputs, parameters=parameters, additional=additional,
            idempotency_key=idempotency_key, on_interrupt=on_interrupt,
        )  # fmt: skip
        return self._client._drive(job)

    def get(self, flow_id: str) -> Flow:
        """Return the flow's current state and progress.

        Raises:
            NotFoundError: no such flow.
        """
        from generio._http.operations import get_flow_op
        from generio._jobs.calls import request_job

        return self._client._drive(request_job(self._state, get_flow_op(flow_id)))

    def list(
        self, *, state: FlowState | None = None, sort_by: FlowSortField | None = None
    ) -> list[Flow]:
        """Return the account's flows.

        Args:
            state: only flows in this state (``created``, ``running``, ``completed``, ...).
            sort_by: ``created_at`` (the default), ``state``, ``progress``, ``started_at``
                or ``finished_at``; ascending.

        Raises:
            InputError: ``sort_by`` is not one of those fields.
        """
        from generio._jobs.pages import list_flows_job

        return self._client._drive(list_flows_job(self._state, state, sort_by))

    def upload_input(
        self,
        flow_id: str,
        source: object,
        *,
        additional: Any = None,
        mime_type: str | None = None,
    ) -> Asset:
        """Add one input to a flow created without inputs (state ``created``).

        Args:
            flow_id: the flow.
            source: a prompt (``str``), a data URI (``str`` starting ``data:``), a
                :class:`pathlib.Path`, ``bytes``, a binary file object, or an :class:`Asset`
                of another flow. Files are streamed, never loaded whole.
            additional: any JSON to keep with the input (copied to its output).
            mime_type: the MIME type, when detection from content and name is not wanted.

        Raises:
            InputError: the input is unusable or not accepted by the flow's template.
            ConflictError: the flow is no longer ``created``.
        """
        from generio._jobs.conflicts import judged
        from generio._jobs.create import upload_job

        job = upload_job(self._state, flow_id, source, additional, mime_type)
        return self._client._drive(judged(self._state, flow_id, "upload an input", job))

    def start(self, flow_id: str) -> Flow:
        """Start a flow created without inputs, once its inputs are uploaded.

        Raises:
            ConflictError: the flow is not in ``created`` (a retried start that finds the
                flow started by its own first attempt counts as success).
        """
        from generio._jobs.calls import start_job

        return self._client._drive(start_job(self._state, flow_id))

    def abort(self, flow_id: str) -> Flow:
        """Abort a ``starting`` or ``running`` flow; returns it (``aborting`` or ``aborted``).

        Raises:
            ConflictError: the flow has already finished.
        """
        from generio._jobs.calls import abort_job

        return self._client._drive(abort_job(self._state, flow_id))

    def delete(self, flow_id: str) -> None:
        """Delete a flow and all its assets, irreversibly (not while it runs).

        Raises:
            ConflictError: the flow is running; abort it first.
            NotFoundError: no such flow (a retried delete whose first attempt deleted it
                succeeds instead).
        """
        from generio._jobs.calls import delete_job

        self._client._drive(delete_job(self._state, flow_id))

    def inputs(self, flow_id: str, *, include_data: bool = False) -> builtins.list[Asset]:
        """Return the flow's inputs; with ``include_data`` each carries its content."""
        from generio._http.operations import list_inputs_op
        from generio._jobs.calls import request_job

        return self._client._drive(request_job(self._state, list_inputs_op(flow_id, include_data)))

    def input(self, flow_id: str, asset_id: str) -> Asset:
        """Return one input, with its content in ``.data``."""
        from generio._http.operations import get_input_op
        from generio._jobs.calls import request_job

        return self._client._drive(request_job(self._state, get_input_op(flow_id, asset_id)))

    def outputs(self, flow_id: str, *, include_data: bool = False) -> builtins.list[Asset]:
        """Return a finished flow's outputs; with ``include_data`` each carries its content.

        Raises:
            ConflictError: the flow has not finished yet.
        """
        from generio._http.operations import list_outputs_op
        from generio._jobs.calls import request_job
        from generio._jobs.conflicts import judged

        job = request_job(self._state, list_outputs_op(flow_id, include_data))
        return self._client._drive(judged(self._state, flow_id, "read outputs", job))

    def output(self, flow_id: str, asset_id: str) -> Asset:
        """Return one output with its content: ``.data`` (bytes) and ``.mime_type``.

        Raises:
            ConflictError: the flow has not finished yet.
        """
        from generio._http.operations import get_output_op
        from generio._jobs.calls import request_job
        from generio._jobs.conflicts import judged

        job = request_job(self._state, get_output_op(flow_id, asset_id))
        return self._client._drive(judged(self._state, flow_id, "read outputs", job))

    def wait(
        self,
        flow_id: str,
        *,
        timeout: float | None = None,
        on_progress: ProgressCallback | None = None,
        raise_on_failure: bool = False,
    ) -> Flow:
        """Wait until the flow finishes; returns it in its terminal state.

        Polls adaptively: just after the finish its progress predicts.

        Args:
            flow_id: the flow.
            timeout: seconds to wait at most; None waits as long as it takes.
            on_progress: called with the flow each time its state or progress changes.
            raise_on_failure: raise :class:`FlowFailed` when the flow ends ``failed`` or
                ``aborted``, as :meth:`Generio.run` does; otherwise return it.

        Raises:
            WaitTimeout: ``timeout`` passed; the flow keeps running.
            FlowNotStarted: the flow is in ``created`` and nobody started it.
            FlowFailed: with ``raise_on_failure``, the flow failed (with partial outputs).
        """
        from generio._jobs.run import wait_checked_job

        job = wait_checked_job(
            self._state, flow_id, timeout=timeout, on_progress=on_progress,
            raise_on_failure=raise_on_failure,
        )  # fmt: skip
        return self._client._drive(job)

    def download_outputs(
        self, flow_id: str, out_dir: str | os.PathLike[str]
    ) -> builtins.list[Path]:
        """Stream every ready output of a finished flow into files; return their paths.

        Files are named ``<asset id>.<ext>`` inside ``out_dir`` (created if missing); each
        appears only once complete.

        Raises:
            ConflictError: the flow has not finished yet.
            InputError: ``out_dir`` cannot be a directory.
        """
        from generio._jobs.conflicts import judged
        from generio._jobs.downloads import download_outputs_job

        job = download_outputs_job(self._state, flow_id, Path(out_dir))
        return self._client._drive(judged(self._state, flow_id, "read outputs", job))[1]


class AsyncFlows(AsyncOutputMethods, AsyncFindMethods):
    """``client.flows`` of :class:`AsyncGenerio`.

    Each method is the awaitable twin of the same method of :class:`~generio.Flows`,
    with the same arguments and errors.
    """

    def __init__(self, client: AsyncGenerio) -> None:
        self._client = client
        self._state = client._state

    async def create(
        self,
        template: str | Template,
        *,
        inputs: object = None,
        parameters: Mapping[str, Any] | None = None,
        additional: Any = None,
        idempotency_key: str | None = None,
        on_interrupt: OnInterrupt = "abort",
    ) -> Flow:
        """Create a flow (started at once when it has inputs), never twice.

        Cancelled while its ``POST`` is in flight, the flow is found by its key and aborted
        (or kept, ``on_interrupt="keep"``), shielded, as in :meth:`Flows.create`.
        """
        from generio._jobs.run import create_flow_job  # loaded on first create

        job = create_flow_job(
            self._state, template, inputs, parameters=parameters, additional=additional,
            idempotency_key=idempotency_key, on_interrupt=on_interrupt,
        )  # fmt: skip
        return await self._client._drive(job)

    async def get(self, flow_id: str) -> Flow:
        """Return the flow's current state and progress."""
        from generio._http.operations import get_flow_op
        from generio._jobs.calls import request_job

        return await self._client._drive(request_job(self._state, get_flow_op(flow_id)))

    async def list(
        self, *, state: FlowState | None = None, sort_by: FlowSortField | None = None
    ) -> list[Flow]:
        """Return the account's flows, optionally filtered by state and sorted."""
        from generio._jobs.pages import list_flows_job

        return await self._client._drive(list_flows_job(self._state, state, sort_by))

    async def upload_input(
        self,
        flow_id: str,
        source: object,
        *,
        additional: Any = None,
        mime_type: str | None = None,
    ) -> Asset:
        """Add one input to a flow in ``created``, streamed, never twice."""
        from generio._jobs.conflicts import judged
        from generio._jobs.create import upload_job

        job = upload_job(self._state, flow_id, source, additional, mime_type)
        return await self._client._drive(judged(self._state, flow_id, "upload an input", job))

    async def start(self, flow_id: str) -> Flow:
        """Start a flow created without inputs."""
        from generio._jobs.calls import start_job

        return await self._client._drive(start_job(self._state, flow_id))

    async def abort(self, flow_id: str) -> Flow:
        """Abort a starting or running flow."""
        from generio._jobs.calls import abort_job

        return await self._client._drive(abort_job(self._state, flow_id))

    async def delete(self, flow_id: str) -> None:
        """Delete a flow and its assets, irreversibly."""
        from generio._jobs.calls import delete_job

        await self._client._drive(delete_job(self._state, flow_id))

    async def inputs(self, flow_id: str, *, include_data: bool = False) -> builtins.list[Asset]:
        """Return the flow's inputs."""
        from generio._http.operations import list_inputs_op
        from generio._jobs.calls import request_job

        op = list_inputs_op(flow_id, include_data)
        return await self._client._drive(request_job(self._state, op))

    async def input(self, flow_id: str, asset_id: str) -> Asset:
        """Return one input, with its content."""
        from generio._http.operations import get_input_op
        from generio._jobs.calls import request_job

        return await self._client._drive(request_job(self._state, get_input_op(flow_id, asset_id)))

    async def outputs(self, flow_id: str, *, include_data: bool = False) -> builtins.list[Asset]:
        """Return a finished flow's outputs."""
        from generio._http.operations import list_outputs_op
        from generio._jobs.calls import request_job
        from generio._jobs.conflicts import judged

        job = request_job(self._state, list_outputs_op(flow_id, include_data))
        return await self._client._drive(judged(self._state, flow_id, "read outputs", job))

    async def output(self, flow_id: str, asset_id: str) -> Asset:
        """Return one output with its content (``.data``, ``.mime_type``)."""
        from generio._http.operations import get_output_op
        from generio._jobs.calls import request_job
        from generio._jobs.conflicts import judged

        job = request_job(self._state, get_output_op(flow_id, asset_id))
        return await self._client._drive(judged(self._state, flow_id, "read outputs", job))

    async def wait(
        self,
        flow_id: str,
        *,
        timeout: float | None = None,  # noqa: ASYNC109 - the public surface takes timeout=
        on_progress: ProgressCallback | None = None,
        raise_on_failure: bool = False,
    ) -> Flow:
        """Wait until the flow finishes, polling adaptively."""
        from generio._jobs.run import wait_checked_job

        job = wait_checked_job(
            self._state, flow_id, timeout=timeout, on_progress=on_progress,
            raise_on_failure=raise_on_failure,
        )  # fmt: skip
        return await self._client._drive(job)

    async def download_outputs(
        self, flow_id: str, out_dir: str | os.PathLike[str]
    ) -> builtins.list[Path]:
        """Stream every ready output of a finished flow into ``out_dir``."""
        from generio._jobs.conflicts import judged
        from generio._jobs.downloads import download_outputs_job

        job = download_outputs_job(self._state, flow_id, Path(out_dir))
        return (await self._client._drive(judged(self._state, flow_id, "read outputs", job)))[1]
