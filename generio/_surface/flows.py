"""``client.flows`` of :class:`~generio.Generio`: create, follow and collect flows."""

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
    from generio._drivers.streams import OutputStream
    from generio._drivers.sync import SyncDriver


class Flows:
    """``client.flows``: create, follow and collect flows."""

    def __init__(self, driver: SyncDriver) -> None:
        self._driver = driver
        self._state = driver.state

    def create(
        self,
        template: str | Template,
        *,
        inputs: object = None,
        parameters: Mapping[str, Any] | None = None,
        additional: Any = None,
        idempotency_key: str | None = None,
        on_interrupt: OnInterrupt = "auto",
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
                running; ``"auto"`` keeps it when you gave ``idempotency_key``, aborts it
                otherwise (as :meth:`Generio.run`). The exception goes on with
                ``generio_flow_id`` and a note.

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

        >>> client.flows.create("model_generate_fromprompt", inputs="a chair")  # doctest: +SKIP
        """
        from generio._jobs.run import create_flow_job  # loaded on first create

        job = create_flow_job(
            self._state, template, inputs, parameters=parameters, additional=additional,
            idempotency_key=idempotency_key, on_interrupt=on_interrupt,
        )  # fmt: skip
        return self._driver.drive(job)

    def get(self, flow_id: str) -> Flow:
        """Return the flow's current state and progress.

        Raises:
            NotFoundError: no such flow.
        """
        from generio._http.operations import get_flow_op

        return self._driver.drive(jobs.ask(self._state, flow_id, get_flow_op(flow_id)))

    def list(
        self,
        *,
        state: FlowState | None = None,
        sort_by: FlowSortField | None = None,
        query: Mapping[str, Any] | None = None,
    ) -> list[Flow]:
        """Return the account's flows: every page of the listing, following its ``next`` links.

        Args:
            state: only flows in this state (``created``, ``running``, ``completed``, ...).
            sort_by: ``created_at`` (the default), ``state``, ``progress``, ``started_at``
                or ``finished_at``; ascending.
            query: more query parameters of the listing, by their API names: one the API
                added reaches the service once the client is regenerated, before this
                method names it (``query={"tag": "chairs"}``).

        Raises:
            InputError: ``sort_by`` is not one of those fields; ``query`` holds a parameter
                the listing does not take (the error names those it takes).
            ResponseTooLargeError: the listing goes on past 100,000 flows or 10,000 pages;
                nothing is returned (filter by ``state`` to narrow it).
        """
        from generio._jobs.calls import list_flows_job

        return self._driver.drive(list_flows_job(self._state, state, sort_by, query))

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
                :class:`pathlib.Path`, ``bytes``, a binary file object (streamed), or an
                :class:`Asset` of another flow.
            additional: any JSON to keep with the input (copied to its output).
            mime_type: the MIME type, when detection from content and name is not wanted.

        Raises:
            InputError: the input is unusable or not accepted by the flow's template.
            ConflictError: the flow is no longer ``created``.
        """
        from generio._jobs.calls import judged
        from generio._jobs.create import upload_job

        job = upload_job(self._state, flow_id, source, additional, mime_type)
        job = judged(self._state, flow_id, "upload an input", job)
        return self._driver.drive(jobs.about(flow_id, job))

    def start(self, flow_id: str) -> Flow:
        """Start a flow created without inputs, once its inputs are uploaded.

        Raises:
            ConflictError: the flow is not in ``created`` (a retried start that finds the
                flow started by its own first attempt counts as success).
        """
        from generio._jobs.calls import action_job

        return self._driver.drive(jobs.about(flow_id, action_job(self._state, flow_id, "start")))

    def abort(self, flow_id: str) -> Flow:
        """Abort a ``starting`` or ``running`` flow; returns it (``aborting`` or ``aborted``).

        Raises:
            ConflictError: the flow has already finished.
        """
        from generio._jobs.calls import action_job

        return self._driver.drive(jobs.about(flow_id, action_job(self._state, flow_id, "abort")))

    def delete(self, flow_id: str) -> None:
        """Delete a flow and all its assets, irreversibly (not while it runs).

        Raises:
            ConflictError: the flow is running; abort it first.
            NotFoundError: no such flow (a retried delete whose first attempt deleted it
                succeeds instead).
        """
        from generio._jobs.calls import delete_job

        self._driver.drive(jobs.about(flow_id, delete_job(self._state, flow_id)))

    def inputs(self, flow_id: str, *, include_data: bool = False) -> builtins.list[Asset]:
        """Return the flow's inputs; with ``include_data`` each carries its content."""
        from generio._http.operations import list_inputs_op

        return self._driver.drive(
            jobs.ask(self._state, flow_id, list_inputs_op(flow_id, include_data))
        )

    def input(self, flow_id: str, asset_id: str) -> Asset:
        """Return one input, with its content in ``.data``."""
        from generio._http.operations import get_input_op

        return self._driver.drive(jobs.ask(self._state, flow_id, get_input_op(flow_id, asset_id)))

    def wait(
        self,
        flow_id: str,
        *,
        timeout: float | None = None,
        on_progress: ProgressCallback | None = None,
        raise_on_failure: bool = False,
        progress_interval: float | None = None,
    ) -> Flow:
        """Wait until the flow finishes; returns it in its terminal state.

        Polls adaptively: just after the finish its progress predicts.

        Args:
            flow_id: the flow.
            timeout: seconds to wait at most; None waits as long as it takes.
            on_progress: called with the flow each time its state or progress changes.
            raise_on_failure: raise :class:`FlowFailed` when the flow ends ``failed`` or
                ``aborted``, as :meth:`Generio.run` does; otherwise return it.
            progress_interval: look at the flow at least this often (seconds, 0.2 at the
                least), so ``on_progress`` sees its progress move that often (a progress
                bar); each look is one request. None: only as often as the estimate needs.

        Raises:
            WaitTimeout: ``timeout`` passed; the flow keeps running.
            FlowNotStarted: the flow is in ``created`` and nobody started it.
            FlowFailed: with ``raise_on_failure``, the flow failed (with partial outputs).
        """
        from generio._jobs.run import wait_checked_job

        job = wait_checked_job(
            self._state, flow_id, timeout=timeout, on_progress=on_progress,
            raise_on_failure=raise_on_failure, progress_interval=progress_interval,
        )  # fmt: skip
        return self._driver.drive(jobs.about(flow_id, job))

    def outputs(self, flow_id: str, *, include_data: bool = False) -> builtins.list[Asset]:
        """Return a finished flow's outputs; with ``include_data`` each carries its content.

        Raises:
            ConflictError: the flow has not finished yet.
        """
        job = jobs.outputs_job(self._state, flow_id, include_data)
        return self._driver.drive(job)

    def output(self, flow_id: str, asset_id: str) -> Asset:
        """Return one output with its content: ``.data`` (bytes) and ``.mime_type``.

        Raises:
            ConflictError: the flow has not finished yet.
        """
        return self._driver.drive(jobs.one_output_job(self._state, flow_id, asset_id))

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
        return self._driver.drive(jobs.saved_outputs_job(self._state, flow_id, out_dir))

    def download_output(self, flow_id: str, asset_id: str, dest: str | os.PathLike[str]) -> Path:
        """Stream one output of a finished flow into a file; return its path.

        The file appears only once complete (a temporary file is renamed over it).

        Args:
            flow_id: the flow.
            asset_id: the output.
            dest: the file to write (an existing file of that name is replaced), or an
                existing directory: the file is then named ``<asset id>.<ext>`` inside it.

        Raises:
            ConflictError: the flow has not finished yet.
            NotFoundError: no such flow or output.
            InputError: ``dest`` cannot be written.
        """
        job = jobs.saved_output_job(self._state, flow_id, asset_id, dest)
        return self._driver.drive(job).path

    def stream_output(self, flow_id: str, asset_id: str) -> OutputStream:
        """Return one output's decoded content as an iterable of byte chunks.

        Nothing is staged on disk or held whole in memory: pass a model straight on (a
        web response, an upload elsewhere). Open it first (``.open()`` or ``with``) to meet
        errors and learn ``.mime_type`` before anything is handed out, then iterate it. It
        may be opened in one thread or task and read in another (a web framework's
        streaming response); see the README's "Serving models from a web app".

        Opening and reading ride out transient failures until the client's
        ``download_timeout`` (a connection lost half-way continues where it broke off; the
        time your code holds the stream between chunks is not counted); the content may grow
        to ``max_download_bytes``.

        >>> with client.flows.stream_output(flow_id, asset_id) as chunks:  # doctest: +SKIP
        ...     for chunk in chunks:
        ...         sink.write(chunk)

        Raises:
            ConflictError: the flow has not finished yet.
            NotFoundError: no such flow or output.
            APIConnectionError: the connection kept failing until ``download_timeout``.
            ResponseTooLargeError: the content grew past ``max_download_bytes``.
            DownloadTimeoutError: the stream took longer than ``download_timeout``.
        """
        from generio._drivers.streams import OutputStream  # loaded on the first stream

        return OutputStream(self._driver, flow_id, asset_id)

    def find(self, *, idempotency_key: str, template: str | None = None) -> Flow | None:
        """Return the flow created with ``idempotency_key`` (by any client or process), or None.

        Reads only what the client does not know yet of the account's listing (see
        :class:`~generio.KeyLookup`), then the flow itself, as it is now. The earliest flow
        wins should several carry the key.

        Args:
            idempotency_key: the key given to ``create``, ``run`` or a batch job (step ``n``
                > 1 of a chained job uses ``f"{key}/then/{n - 1}"``).
            template: only flows of this template (by name): when the listing leaves
                ``additional`` out, other templates' flows need not be read one by one.

        Raises:
            InputError: the key is not a non-empty printable string.
            LookupIncompleteError: the listing could not be read as far as needed.
        """
        from generio._jobs.keys import find_job  # loaded on first use

        return self._driver.drive(find_job(self._state, idempotency_key, template))
