""":class:`Generio`, the blocking client: a thin driver of the jobs in ``_jobs.py``.

Every public method builds a job and drives it; the driver performs each effect with a
blocking call. The logic (what to request, retries, reconciliation, polling) lives in the
jobs and pure modules, shared with :class:`~generio.AsyncGenerio`.
"""

from __future__ import annotations

import builtins
import os
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import httpx

from generio._base import ClientBase
from generio._batch_sync import SyncBatches
from generio._bounded import body_limit
from generio._config import (
    DEFAULT_DOWNLOAD_TIMEOUT,
    DEFAULT_MAX_DOWNLOAD_BYTES,
    DEFAULT_MAX_RESPONSE_BYTES,
    NOT_GIVEN,
    NotGiven,
    Secret,
)
from generio._conflicts import judged
from generio._create import create_job, upload_job
from generio._docs import Resource
from generio._downloads import (
    DownloadLimits,
    OutputWriter,
    check_download,
    download_op,
    download_outputs_job,
)
from generio._effects import Download, Effect, Job, Saved, Sleep, Stepper
from generio._errors import ClientClosedError
from generio._jobs import (
    ProgressCallback,
    abort_job,
    as_sources,
    call,
    delete_job,
    start_job,
)
from generio._models import Asset, Flow, RunResult, Template
from generio._operations import (
    finish_raw,
    get_flow_op,
    get_input_op,
    get_output_op,
    list_inputs_op,
    list_outputs_op,
    translate,
)
from generio._outputs_api import OutputMethods
from generio._pages import list_flows_job
from generio._proxies import Borrowed
from generio._retry import budget_scope
from generio._run import OnInterrupt, wait_checked_job
from generio._templates_api import Templates
from generio._types import FlowSortField, FlowState
from generio._wiring import build_sync, effective_timeout, new_sync_routes

__all__ = ["Flows", "Generio", "Templates"]  # Templates: from _templates_api

T = TypeVar("T")
#: How long close() waits for interrupted runs of other threads to abort their flows.
_CLEANUP_SECONDS = 10.0


class Flows(OutputMethods):
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
    ) -> Flow:
        """Create a flow; with inputs it starts by itself, without it waits for uploads.

        Args:
            template: a template name or id, or a :class:`Template`.
            inputs: one input or a list (see :meth:`upload_input` for the kinds), or None.
            parameters: the template's parameters; omitted ones take their defaults.
            additional: any JSON to keep with the flow; ``flow.additional`` reads it back
                exactly.
            idempotency_key: your key for this request. A later create with the same key,
                from any client or process, returns this flow instead of creating one.
                None: a random key, which still makes retries exact.

        Raises:
            InputError: an input is unusable or not accepted by the template (nothing is
                created).
            IdempotencyConflictError: the key was used before for a different template,
                parameters or inputs (nothing is created).
            ValidationError: the service rejected the parameters.

        The key travels in ``additional`` under :data:`generio.IDEMPOTENCY_FIELD` and is
        removed from every Flow returned. A retry after an ambiguous failure adopts only
        the flow with the call's key.
        """
        sources = as_sources(inputs)
        job = create_job(self._state, template, sources, parameters, additional, idempotency_key)
        return self._client._drive(job)

    def get(self, flow_id: str) -> Flow:
        """Return the flow's current state and progress.

        Raises:
            NotFoundError: no such flow.
        """
        return self._client._drive(call(self._state, get_flow_op(flow_id)))

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
        job = upload_job(self._state, flow_id, source, additional, mime_type)
        return self._client._drive(judged(self._state, flow_id, "upload an input", job))

    def start(self, flow_id: str) -> Flow:
        """Start a flow created without inputs, once its inputs are uploaded.

        Raises:
            ConflictError: the flow is not in ``created`` (a retried start that finds the
                flow started by its own first attempt counts as success).
        """
        return self._client._drive(start_job(self._state, flow_id))

    def abort(self, flow_id: str) -> Flow:
        """Abort a ``starting`` or ``running`` flow; returns it (``aborting`` or ``aborted``).

        Raises:
            ConflictError: the flow has already finished.
        """
        return self._client._drive(abort_job(self._state, flow_id))

    def delete(self, flow_id: str) -> None:
        """Delete a flow and all its assets, irreversibly (not while it runs).

        Raises:
            ConflictError: the flow is running; abort it first.
            NotFoundError: no such flow (a retried delete whose first attempt deleted it
                succeeds instead).
        """
        self._client._drive(delete_job(self._state, flow_id))

    def inputs(self, flow_id: str, *, include_data: bool = False) -> builtins.list[Asset]:
        """Return the flow's inputs; with ``include_data`` each carries its content."""
        return self._client._drive(call(self._state, list_inputs_op(flow_id, include_data)))

    def input(self, flow_id: str, asset_id: str) -> Asset:
        """Return one input, with its content in ``.data``."""
        return self._client._drive(call(self._state, get_input_op(flow_id, asset_id)))

    def outputs(self, flow_id: str, *, include_data: bool = False) -> builtins.list[Asset]:
        """Return a finished flow's outputs; with ``include_data`` each carries its content.

        Raises:
            ConflictError: the flow has not finished yet.
        """
        job = call(self._state, list_outputs_op(flow_id, include_data))
        return self._client._drive(judged(self._state, flow_id, "read outputs", job))

    def output(self, flow_id: str, asset_id: str) -> Asset:
        """Return one output with its content: ``.data`` (bytes) and ``.mime_type``.

        Raises:
            ConflictError: the flow has not finished yet.
        """
        job = call(self._state, get_output_op(flow_id, asset_id))
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
        job = download_outputs_job(self._state, flow_id, Path(out_dir))
        return self._client._drive(judged(self._state, flow_id, "read outputs", job))[1]


class Generio(SyncBatches, ClientBase):
    """The GENERIO Flows API client (blocking). Safe to share between threads.

    Args:
        api_key: the API key; ``$GENERIO_API_KEY`` when None.
        base_url: the service's URL; ``$GENERIO_BASE_URL``, else https://flows.generio.ai.
        timeout: per-request timeout in seconds or an ``httpx.Timeout`` (default 30 s, 10 s
            to connect); None for none at all.
        max_retries: extra attempts per call on failures that are safe to retry.
        http_client: your own ``httpx.Client`` (proxies, certificates, limits). generio sends
            through it without modifying it, and still adds the base URL, auth, its
            timeout (yours when ``timeout`` is not given), retries and logging. Do not set
            ``auth`` on it. You close it.
        allow_insecure: allow plain ``http://`` to a non-loopback host.
        max_response_bytes, max_download_bytes, download_timeout: limits on answers and
            downloads (README, "Limits"); past one, a ``ResponseTooLargeError`` or
            ``DownloadTimeoutError``, and no file.

    Raises:
        ConfigurationError: no API key, a bad base URL or setting (a NaN timeout, ...).
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        timeout: float | httpx.Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int = 2,
        http_client: httpx.Client | None = None,
        allow_insecure: bool = False,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        max_download_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES,
        download_timeout: float | None = DEFAULT_DOWNLOAD_TIMEOUT,
    ) -> None:
        # Wrapped at once: from here on no frame holds the raw key (tracebacks with locals).
        key = Secret.wrap(api_key)
        del api_key
        settings = self._configure(
            key,
            base_url,
            timeout=timeout,
            max_retries=max_retries,
            allow_insecure=allow_insecure,
            max_response_bytes=max_response_bytes,
            max_download_bytes=max_download_bytes,
            download_timeout=download_timeout,
        )
        self._user = http_client
        self._headers = {}
        self._routes = new_sync_routes(http_client)
        self._wire(effective_timeout(settings, timeout, http_client))

    def _wire(self, timeout: httpx.Timeout | None) -> None:
        self._http, self._low = build_sync(
            self._state.settings, timeout, self._user, routes=self._routes, headers=self._headers
        )
        self._templates = Templates(self)
        self._flows = Flows(self)

    def _lend(self, transport: Any) -> Any:
        return Borrowed(transport)

    templates = Resource(Templates, "_templates", "Templates: list(), get(): see Templates.")
    flows = Resource(Flows, "_flows", "Flows: create, follow and collect flows; see Flows.")

    def run(
        self,
        template: str | Template,
        inputs: object,
        *,
        parameters: Mapping[str, Any] | None = None,
        additional: Any = None,
        out_dir: str | os.PathLike[str] | None = None,
        timeout: float | None = None,
        on_progress: ProgressCallback | None = None,
        idempotency_key: str | None = None,
        on_interrupt: OnInterrupt = "abort",
    ) -> RunResult:
        """Run a template on inputs and collect the outputs, in one call.

        Checks the inputs, creates the flow with them (it starts by itself), waits, then
        writes the outputs to ``out_dir`` (``.paths``) or, without one, returns them with
        their content in ``.data``. Ctrl-C at any point aborts the flow it created (see
        ``on_interrupt``), then re-raises.

        Args:
            template: a template name or id, or a :class:`Template`.
            inputs: one input or a list (see :meth:`Flows.upload_input` for the kinds).
            parameters: the template's parameters.
            additional: any JSON to keep with the flow.
            out_dir: where to write the outputs; None keeps them in memory.
            timeout: seconds to wait for the flow at most.
            on_progress: called with the flow each time its state or progress changes.
            idempotency_key: your key for this run (see :meth:`Flows.create`): a run with
                the same key picks up the flow it made instead of creating another.
            on_interrupt: what happens to the flow when the run is interrupted
                (``KeyboardInterrupt``, cancellation, an exception from ``on_progress``):
                ``"abort"`` it, or ``"keep"`` it running for a keyed re-run. The exception
                is re-raised with ``generio_flow_id`` (the flow's id, or None) and a note.

        Raises:
            InputError: an input, ``timeout``, ``out_dir`` or the key is unusable (nothing
                is created).
            IdempotencyConflictError: the key was used for a different request.
            FlowFailed: the flow ended ``failed`` or ``aborted``; carries partial outputs.
            WaitTimeout: ``timeout`` passed; the flow keeps running.
        """
        job = self._run_job(
            template, inputs, parameters, additional, out_dir, timeout, on_progress,
            idempotency_key, on_interrupt,
        )  # fmt: skip
        return self._drive(job)

    def close(self) -> None:
        """Close the connections generio opened (not those of your ``http_client``).

        Waits first (at most 10 s) for runs in other threads that are still aborting their
        flows after an interruption.
        """
        deadline = time.monotonic() + _CLEANUP_SECONDS
        while self._state.cleaning_up and time.monotonic() < deadline:
            time.sleep(0.01)
        self._http.close()

    def __enter__(self) -> Generio:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- the driver -----------------------------------------------------------------

    def _drive(self, job: Job[T]) -> T:
        """Run a job to its end, performing its effects with blocking calls.

        Raises:
            ClientClosedError: the client was closed.
        """
        if self._http.is_closed:
            job.close()
            raise ClientClosedError("Generio")
        stepper = Stepper(job)
        counted = False
        try:
            while (effect := stepper.advance()) is not None:
                if stepper.cleanup and not counted:
                    counted = True
                    self._state.cleanup_started()
                try:
                    stepper.succeed(self._perform(effect))
                except BaseException as exc:  # noqa: BLE001 - the job decides; it re-raises
                    stepper.fail(exc)
            return stepper.result
        finally:
            if counted:
                self._state.cleanup_ended()

    def _perform(self, effect: Effect) -> Any:
        if isinstance(effect, Sleep):
            time.sleep(effect.seconds)
            return None
        if isinstance(effect, Download):
            return self._download(effect)
        op = effect.op
        with budget_scope(effect.budget), translate(op, self._state.settings.api_key):
            return finish_raw(op, self._http.request(**op.raw_request()))

    def _download(self, effect: Download) -> Saved:
        limits = DownloadLimits.start(self._state.settings)
        with (
            budget_scope(effect.budget),
            translate(download_op(effect), self._state.settings.api_key),
            body_limit(limits.body()),
            self._http.stream(
                "GET", effect.path, timeout=limits.request_timeout(self._http.timeout)
            ) as response,
        ):
            if not response.is_success:
                response.read()
            check_download(effect, response)
            content_type = response.headers.get("content-type", "")
            with OutputWriter(effect, content_type, limits) as writer:
                for chunk in response.iter_bytes():
                    writer.feed(chunk)
                return writer.finish()
