""":class:`AsyncGenerio`, the asyncio (and trio) client: a thin async driver of the jobs.

Same surface as :class:`~generio.Generio`, awaited (batches: ``_batch_async.py``).
The jobs (``_jobs.py``, ``_create.py``, ``_downloads.py``) are shared; only the performing
of effects differs. Async work uses anyio, which httpx already depends on, so generio runs
under asyncio and trio alike.
"""

from __future__ import annotations

import builtins
import os
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from generio._base import ClientBase
from generio._batch_async import AsyncBatches
from generio._bounded import body_limit
from generio._client import Flows, Generio, Templates
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
from generio._docs import Resource, share_docs
from generio._downloads import (
    DownloadLimits,
    OutputWriter,
    check_download,
    download_op,
    download_outputs_job,
)
from generio._effects import Download, Effect, Job, Saved, Sleep, Stepper
from generio._errors import (
    ClientClosedError,
    GenerioError,
    WrongEventLoopError,
)
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
from generio._outputs_api import AsyncOutputMethods
from generio._pages import list_flows_job
from generio._proxies import AsyncBorrowed
from generio._retry import budget_scope
from generio._run import OnInterrupt, wait_checked_job
from generio._templates_api import AsyncTemplates
from generio._types import FlowSortField, FlowState
from generio._wiring import build_async, effective_timeout, new_async_routes

if TYPE_CHECKING:
    import anyio.lowlevel

__all__ = ["AsyncFlows", "AsyncGenerio", "AsyncTemplates"]

T = TypeVar("T")
#: How long clean-up after a cancellation (aborting the flow) may take, shielded.
CLEANUP_SECONDS = 10.0


class AsyncFlows(AsyncOutputMethods):
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
    ) -> Flow:
        """Create a flow (started at once when it has inputs), never twice."""
        return await self._client._drive(
            create_job(
                self._state,
                template,
                as_sources(inputs),
                parameters,
                additional,
                idempotency_key,
            )
        )

    async def get(self, flow_id: str) -> Flow:
        """Return the flow's current state and progress."""
        return await self._client._drive(call(self._state, get_flow_op(flow_id)))

    async def list(
        self, *, state: FlowState | None = None, sort_by: FlowSortField | None = None
    ) -> list[Flow]:
        """Return the account's flows, optionally filtered by state and sorted."""
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
        job = upload_job(self._state, flow_id, source, additional, mime_type)
        return await self._client._drive(judged(self._state, flow_id, "upload an input", job))

    async def start(self, flow_id: str) -> Flow:
        """Start a flow created without inputs."""
        return await self._client._drive(start_job(self._state, flow_id))

    async def abort(self, flow_id: str) -> Flow:
        """Abort a starting or running flow."""
        return await self._client._drive(abort_job(self._state, flow_id))

    async def delete(self, flow_id: str) -> None:
        """Delete a flow and its assets, irreversibly."""
        await self._client._drive(delete_job(self._state, flow_id))

    async def inputs(self, flow_id: str, *, include_data: bool = False) -> builtins.list[Asset]:
        """Return the flow's inputs."""
        op = list_inputs_op(flow_id, include_data)
        return await self._client._drive(call(self._state, op))

    async def input(self, flow_id: str, asset_id: str) -> Asset:
        """Return one input, with its content."""
        return await self._client._drive(call(self._state, get_input_op(flow_id, asset_id)))

    async def outputs(self, flow_id: str, *, include_data: bool = False) -> builtins.list[Asset]:
        """Return a finished flow's outputs."""
        job = call(self._state, list_outputs_op(flow_id, include_data))
        return await self._client._drive(judged(self._state, flow_id, "read outputs", job))

    async def output(self, flow_id: str, asset_id: str) -> Asset:
        """Return one output with its content (``.data``, ``.mime_type``)."""
        job = call(self._state, get_output_op(flow_id, asset_id))
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
        job = wait_checked_job(
            self._state, flow_id, timeout=timeout, on_progress=on_progress,
            raise_on_failure=raise_on_failure,
        )  # fmt: skip
        return await self._client._drive(job)

    async def download_outputs(
        self, flow_id: str, out_dir: str | os.PathLike[str]
    ) -> builtins.list[Path]:
        """Stream every ready output of a finished flow into ``out_dir``."""
        job = download_outputs_job(self._state, flow_id, Path(out_dir))
        return (await self._client._drive(judged(self._state, flow_id, "read outputs", job)))[1]


class AsyncGenerio(AsyncBatches, ClientBase):
    """The GENERIO Flows API client for asyncio and trio.

    Takes the same arguments as :class:`~generio.Generio`, with ``http_client`` an
    ``httpx.AsyncClient``. Use one client per event loop: a call from a loop other than the
    one it was first used in raises ``WrongEventLoopError``; after :meth:`aclose`, calls
    raise ``ClientClosedError``.

    Raises:
        ConfigurationError: no API key, a malformed or insecure base URL, a bad setting.
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        timeout: float | httpx.Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int = 2,
        http_client: httpx.AsyncClient | None = None,
        allow_insecure: bool = False,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        max_download_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES,
        download_timeout: float | None = DEFAULT_DOWNLOAD_TIMEOUT,
    ) -> None:
        #: The event loop of the first call: the connections belong to it.
        self._loop: anyio.lowlevel.EventLoopToken | None = None
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
        self._routes = new_async_routes(http_client)
        self._wire(effective_timeout(settings, timeout, http_client))

    def _wire(self, timeout: httpx.Timeout | None) -> None:
        self._http, self._low = build_async(
            self._state.settings, timeout, self._user, routes=self._routes, headers=self._headers
        )
        self._templates = AsyncTemplates(self)
        self._flows = AsyncFlows(self)

    def _lend(self, transport: Any) -> Any:
        return AsyncBorrowed(transport)

    templates = Resource(AsyncTemplates, "_templates", "Templates: await list(), await get().")
    flows = Resource(AsyncFlows, "_flows", "Flows: create, follow and collect flows, awaited.")

    async def run(
        self,
        template: str | Template,
        inputs: object,
        *,
        parameters: Mapping[str, Any] | None = None,
        additional: Any = None,
        out_dir: str | os.PathLike[str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - the public surface takes timeout=
        on_progress: ProgressCallback | None = None,
        idempotency_key: str | None = None,
        on_interrupt: OnInterrupt = "abort",
    ) -> RunResult:
        """Run a template on inputs and collect the outputs; see :meth:`Generio.run`.

        Cancelling the task while it waits aborts the flow (shielded, at most
        :data:`CLEANUP_SECONDS`), then lets the cancellation through.
        """
        return await self._drive(
            self._run_job(
                template,
                inputs,
                parameters,
                additional,
                out_dir,
                timeout,
                on_progress,
                idempotency_key,
                on_interrupt,
            )
        )

    async def aclose(self) -> None:
        """Close the connections generio opened (not those of your ``http_client``).

        Waits first (at most :data:`CLEANUP_SECONDS`) for interrupted runs still aborting
        their flows: ``asyncio.gather`` lets its caller go on (and close the client) as soon
        as the first of its cancelled tasks ends.
        """
        import anyio

        deadline = anyio.current_time() + CLEANUP_SECONDS
        while self._state.cleaning_up and anyio.current_time() < deadline:
            with anyio.CancelScope(shield=True):
                await anyio.sleep(0.01)
        await self._http.aclose()

    async def __aenter__(self) -> AsyncGenerio:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # --- the driver -----------------------------------------------------------------

    def _check_usable(self) -> None:
        """Refuse a closed client, or one whose connections belong to another event loop.

        Raises:
            ClientClosedError: the client was closed.
            WrongEventLoopError: the client was first used in another event loop.
        """
        import anyio.lowlevel

        if self._http.is_closed:
            raise ClientClosedError("AsyncGenerio")
        token = anyio.lowlevel.current_token()
        if self._loop is None:
            self._loop = token
        elif self._loop != token:
            raise WrongEventLoopError()

    async def _drive(self, job: Job[T]) -> T:
        """Run a job to its end, awaiting its effects (see :meth:`_check_usable`)."""
        try:
            self._check_usable()
        except GenerioError:
            job.close()
            raise
        stepper = Stepper(job)
        counted = False
        try:
            while (effect := stepper.advance()) is not None:
                if stepper.cleanup and not counted:
                    counted = True
                    self._state.cleanup_started()
                try:
                    stepper.succeed(await self._perform(effect, cleanup=stepper.cleanup))
                except BaseException as exc:  # noqa: BLE001 - the job decides; it re-raises
                    stepper.fail(exc)
            return stepper.result
        finally:
            if counted:
                self._state.cleanup_ended()

    async def _perform(self, effect: Effect, *, cleanup: bool) -> Any:
        import anyio

        if not cleanup:
            return await self._perform_now(effect)
        # The task is being cancelled: clean-up must still reach the service, briefly.
        deadline = anyio.current_time() + CLEANUP_SECONDS
        with anyio.CancelScope(shield=True, deadline=deadline) as scope:
            while True:
                try:
                    return await self._perform_now(effect)
                except anyio.get_cancelled_exc_class():
                    # A shield holds off anyio's cancellations, not a native asyncio
                    # task.cancel() (a gather tearing down, asyncio.run's final sweep):
                    # such a one breaks this step, which is repeated (they are all
                    # idempotent: a lookup, an abort) until the deadline.
                    if scope.cancel_called or anyio.current_time() >= deadline:
                        raise
        return None  # the deadline passed  # pragma: no cover

    async def _perform_now(self, effect: Effect) -> Any:
        import anyio

        if isinstance(effect, Sleep):
            await anyio.sleep(effect.seconds)
            return None
        if isinstance(effect, Download):
            return await self._download(effect)
        op = effect.op
        with budget_scope(effect.budget), translate(op, self._state.settings.api_key):
            return finish_raw(op, await self._http.request(**op.raw_request(asynchronous=True)))

    async def _download(self, effect: Download) -> Saved:
        limits = DownloadLimits.start(self._state.settings)
        timeout = limits.request_timeout(self._http.timeout)
        with (
            budget_scope(effect.budget),
            translate(download_op(effect), self._state.settings.api_key),
            body_limit(limits.body()),
        ):
            async with self._http.stream("GET", effect.path, timeout=timeout) as response:
                if not response.is_success:
                    await response.aread()
                check_download(effect, response)
                content_type = response.headers.get("content-type", "")
                with OutputWriter(effect, content_type, limits) as writer:
                    async for chunk in response.aiter_bytes():
                        writer.feed(chunk)
                    return writer.finish()


share_docs(AsyncTemplates, Templates)
share_docs(AsyncFlows, Flows)
share_docs(
    AsyncGenerio,
    Generio,
    {
        "run": "Cancelling the task while it waits aborts the flow (shielded, at most "
        f"{CLEANUP_SECONDS:.0f} s), then lets the cancellation through."
    },
)
