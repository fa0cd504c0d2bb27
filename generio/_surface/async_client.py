""":class:`AsyncGenerio`, the asyncio (and trio) client: its public surface."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncGenerator, Iterable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

import httpx

from generio._drivers.asynchronous import CLEANUP_SECONDS
from generio._http.settings import (
    DEFAULT_DOWNLOAD_TIMEOUT,
    DEFAULT_MAX_DOWNLOAD_BYTES,
    DEFAULT_MAX_RESPONSE_BYTES,
    NOT_GIVEN,
)
from generio._jobs.options import KeyLookup, OnInterrupt
from generio._payload.models import ProgressCallback, RunResult, Template
from generio._secret import Secret
from generio._surface.async_flows import AsyncFlows
from generio._surface.base import ClientBase, Resource
from generio._surface.templates import AsyncTemplates

if TYPE_CHECKING:
    import generio_api

    from generio._drivers.asynchronous import AsyncDriver
    from generio._jobs.batch import Job, Outcome
    from generio._jobs.batch_progress import BatchCallback


class AsyncGenerio(ClientBase):
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
        timeout: float | httpx.Timeout | None = NOT_GIVEN,
        max_retries: int = 2,
        http_client: httpx.AsyncClient | None = None,
        allow_insecure: bool = False,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        max_download_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES,
        download_timeout: float | None = DEFAULT_DOWNLOAD_TIMEOUT,
        key_lookup: KeyLookup | None = None,
    ) -> None:
        # Wrapped at once: from here on no frame holds the raw key (tracebacks with locals).
        key = Secret.wrap(api_key)
        del api_key
        self._configure(
            key,
            base_url,
            key_lookup,
            http_client,
            timeout=timeout,
            max_retries=max_retries,
            allow_insecure=allow_insecure,
            max_response_bytes=max_response_bytes,
            max_download_bytes=max_download_bytes,
            download_timeout=download_timeout,
        )

    _asynchronous = True

    def _resources(self) -> None:
        from generio._drivers.asynchronous import AsyncDriver  # loaded with the first client

        shared = getattr(self, "_driver", None)  # with_options: the same pools, the same loop
        self._driver: AsyncDriver = AsyncDriver(
            self._http, self._state, shared.loop if shared is not None else None
        )
        self._templates = AsyncTemplates(self._driver)
        self._flows = AsyncFlows(self._driver)

    if TYPE_CHECKING:  # read-only properties; at run time Resource serves them, for help()

        @property
        def templates(self) -> AsyncTemplates:
            """The templates, awaited: ``list()`` and ``get()`` (see :class:`AsyncTemplates`)."""

        @property
        def flows(self) -> AsyncFlows:
            """The flows, awaited: create, follow and collect them (see :class:`AsyncFlows`)."""

    else:
        templates = Resource(AsyncTemplates, "_templates", "Templates: await list(), await get().")
        flows = Resource(AsyncFlows, "_flows", "Flows: create, follow and collect flows, awaited.")

    @property
    def base_url(self) -> str:
        """The service's URL."""
        return self._state.settings.base_url

    @property
    def low_level(self) -> generio_api.Client:
        """The generated ``generio_api.Client``, wired like this client: for ``asyncio*`` calls.

        Pass it as ``client=`` to the ``asyncio*`` functions of ``generio_api.api``.
        """
        return self._low

    def with_options(
        self,
        *,
        timeout: float | httpx.Timeout | None = NOT_GIVEN,
        max_retries: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> AsyncGenerio:
        """Return a copy of this client with other request options, sharing its connections.

        >>> fast = client.with_options(timeout=5, max_retries=0)  # doctest: +SKIP
        >>> await fast.flows.get(flow_id)  # doctest: +SKIP

        Arguments, errors and the copy's life (closed with its original) as
        :meth:`Generio.with_options`.
        """
        return self._derive(timeout, max_retries, headers)

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
        on_interrupt: OnInterrupt = "auto",
        fetch_outputs: bool = True,
        out_name: str | None = None,
        progress_interval: float | None = None,
    ) -> RunResult:
        """Run a template on inputs and collect the outputs, in one awaited call.

        >>> result = await client.run("model_generate_fromprompt", "a chair")  # doctest: +SKIP

        Arguments, result and errors as :meth:`Generio.run`. Cancelling the task while it
        waits aborts the flow (or keeps it, as ``on_interrupt`` says; clean-up shielded, at
        most 10 s), then lets the cancellation through.
        """
        from generio._jobs.run import run_job  # the heaviest job: loaded on first run

        job = run_job(
            self._state, template, inputs, parameters=parameters, additional=additional,
            out_dir=out_dir, timeout=timeout, on_progress=on_progress,
            idempotency_key=idempotency_key, on_interrupt=on_interrupt,
            fetch_outputs=fetch_outputs, out_name=out_name, progress_interval=progress_interval,
        )  # fmt: skip
        return await self._driver.drive(job)

    async def run_many(
        self,
        jobs: Iterable[Job],
        *,
        concurrency: int = 8,
        on_progress: BatchCallback | None = None,
        on_interrupt: OnInterrupt = "auto",
        journal: str | os.PathLike[str] | None = None,
    ) -> list[Outcome]:
        """Run many jobs, at most ``concurrency`` at a time; see :meth:`Generio.run_many`.

        Cancelling it aborts (or keeps, as ``on_interrupt`` says) the flows of the jobs
        under way, shielded.
        """
        from generio._drivers.batch_async import iterate  # the batch's modules: on first use

        iterator = iterate(self._driver, jobs, concurrency, on_progress, on_interrupt, journal)
        async with contextlib.aclosing(iterator):
            done = {index: outcome async for index, outcome in iterator}
        return [done[index] for index in sorted(done)]

    def iter_run_many(
        self,
        jobs: Iterable[Job],
        *,
        concurrency: int = 8,
        on_progress: BatchCallback | None = None,
        on_interrupt: OnInterrupt = "auto",
        journal: str | os.PathLike[str] | None = None,
    ) -> AsyncGenerator[tuple[int, Outcome], None]:
        """Like :meth:`run_many`, yielding ``(index, result)`` as each job ends.

        ``async for index, result in client.iter_run_many(jobs): ...``. To leave the loop
        early, iterate inside ``async with contextlib.aclosing(...)``: closing stops the
        batch (flows in flight aborted or kept as ``on_interrupt`` says).

        Raises:
            ConfigurationError: ``concurrency`` is not an integer >= 1 (at the call).
            InputError: a job is unusable, at the call, before any request.
        """
        from generio._drivers.batch_async import iterate  # the batch's modules: on first use

        return iterate(self._driver, jobs, concurrency, on_progress, on_interrupt, journal)

    async def aclose(self) -> None:
        """Close the connections generio opened (not those of your ``http_client``).

        Calls in flight (other tasks) have their current step cancelled and fail with
        :class:`~generio.ClientClosedError`; a ``run()`` first aborts (or keeps) its flow,
        the error naming it (``generio_flow_id``). Waits for those clean-ups, and for
        cancelled runs still aborting theirs (at most 10 s: ``asyncio.gather`` lets its
        caller go on, and close the client, as soon as the first cancelled task ends).
        Copies made by :meth:`with_options` close with it; closing a copy closes only the
        copy.
        """
        import anyio

        life = self._state.life
        life.begin_close()  # cancels the current step of every call in flight
        deadline = anyio.current_time() + CLEANUP_SECONDS
        while (life.busy() or self._state.cleaning_up) and anyio.current_time() < deadline:
            with anyio.CancelScope(shield=True):
                await anyio.sleep(0.01)
        life.mark_closed()
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
