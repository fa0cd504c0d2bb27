""":class:`Generio`, the blocking client: its public surface."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Generator, Iterable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

import httpx

from generio._http.settings import (
    DEFAULT_DOWNLOAD_TIMEOUT,
    DEFAULT_MAX_DOWNLOAD_BYTES,
    DEFAULT_MAX_RESPONSE_BYTES,
    NOT_GIVEN,
)
from generio._jobs.options import KeyLookup, OnInterrupt
from generio._payload.models import ProgressCallback, RunResult, Template
from generio._secret import Secret
from generio._surface.base import ClientBase, Resource
from generio._surface.flows import Flows
from generio._surface.templates import Templates

if TYPE_CHECKING:
    import generio_api

    from generio._drivers.sync import SyncDriver
    from generio._jobs.batch import Job, Outcome
    from generio._jobs.batch_progress import BatchCallback


#: How long close() waits for interrupted runs of other threads to abort their flows.
_CLEANUP_SECONDS = 10.0


class Generio(ClientBase):
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
        key_lookup: how idempotency keys are looked for (:class:`~generio.KeyLookup`: the
            key window, the page bound); the defaults when None.

    Raises:
        ConfigurationError: no API key, a bad base URL or setting (a NaN timeout, ...).
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        timeout: float | httpx.Timeout | None = NOT_GIVEN,
        max_retries: int = 2,
        http_client: httpx.Client | None = None,
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

    def _resources(self) -> None:
        from generio._drivers.sync import SyncDriver  # loaded with the first client

        self._driver: SyncDriver = SyncDriver(self._http, self._state)
        self._templates = Templates(self._driver)
        self._flows = Flows(self._driver)

    if TYPE_CHECKING:
        # What type checkers and the API reference see: read-only properties. At run time
        # the Resource descriptors below serve them, and help() lists their methods.
        @property
        def templates(self) -> Templates:
            """The templates: ``list()`` and ``get()`` (see :class:`Templates`)."""

        @property
        def flows(self) -> Flows:
            """The flows: create, follow and collect them (see :class:`Flows`)."""

    else:
        templates = Resource(Templates, "_templates", "Templates: list(), get(): see Templates.")
        flows = Resource(Flows, "_flows", "Flows: create, follow and collect flows; see Flows.")

    @property
    def base_url(self) -> str:
        """The service's URL."""
        return self._state.settings.base_url

    @property
    def low_level(self) -> generio_api.Client:
        """The generated ``generio_api.Client``, wired like this client.

        It sends with this client's key, URL, timeouts and retries. Pass it as ``client=``
        to the functions of ``generio_api.api``: the ``sync*`` ones for :class:`Generio`,
        the ``asyncio*`` ones for :class:`AsyncGenerio`.
        """
        return self._low

    def with_options(
        self,
        *,
        timeout: float | httpx.Timeout | None = NOT_GIVEN,
        max_retries: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Generio:
        """Return a copy of this client with other request options, sharing its connections.

        The copy sends through the same connection pools (and proxies, and your
        ``http_client``) and the same template cache; creating one costs no connection.
        Close the original when done: closing a copy leaves the shared pools open, and
        closing the original closes its copies too (their calls then fail with
        ``ClientClosedError``; a copy never opens a socket its original cannot close).

        >>> fast = client.with_options(timeout=5, max_retries=0)  # doctest: +SKIP
        >>> fast.flows.get(flow_id)  # doctest: +SKIP

        Args:
            timeout: per-request timeout, as for the client (seconds, an ``httpx.Timeout``,
                or None for none); this client's when not given. The methods that wait
                (``flows.wait``, ``run``) still take a ``timeout=`` of their own.
            max_retries: extra attempts per call; this client's when not given (None).
            headers: headers added to every request of the copy (on top of this client's).

        Raises:
            ConfigurationError: a bad ``timeout`` or ``max_retries``.
        """
        return self._derive(timeout, max_retries, headers)

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
        on_interrupt: OnInterrupt = "auto",
        fetch_outputs: bool = True,
        out_name: str | None = None,
        progress_interval: float | None = None,
    ) -> RunResult:
        """Run a template on inputs and collect the outputs, in one call.

        Checks the inputs, creates the flow with them (it starts by itself), waits, then
        writes the outputs to ``out_dir`` (``.paths``), or, without one, returns them with
        their content in ``.data``, or, with ``fetch_outputs=False``, leaves them on the
        service. Ctrl-C at any point aborts the flow it created, or keeps it for a keyed
        re-run (see ``on_interrupt``), then re-raises. Fetching the outputs of the
        completed (paid) flow rides out transient failures until ``download_timeout``;
        every error raised once the flow exists carries ``generio_flow_id``.

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
                ``"abort"`` it, ``"keep"`` it running for a keyed re-run, or ``"auto"``
                (the default, as in batches and the CLI): keep it when you gave an
                ``idempotency_key`` (a re-run with it collects the flow, paying nothing
                more), abort it otherwise. The exception is re-raised with
                ``generio_flow_id`` (the flow's id, or None) and a note.
            fetch_outputs: False leaves the outputs on the service: ``.outputs`` lists them
                (id, status, the MIME type the template declares) without content, to
                stream (:meth:`Flows.stream_output`) or save (:meth:`Flows.download_output`)
                later; ``out_dir`` and ``out_name`` then have nothing to write.
            out_name: name the files in ``out_dir`` ``<out_name>.<ext>`` (then
                ``<out_name>-1.<ext>``, ... for further outputs) instead of the readable
                default; a file of that name is replaced.
            progress_interval: look at the flow at least this often (seconds, 0.2 at the
                least), so ``on_progress`` sees its progress move that often; each look is
                one request. None: as often as the finish estimate needs.

        Raises:
            InputError: an input, ``timeout``, ``out_dir``, ``out_name`` or the key is
                unusable (nothing is created).
            IdempotencyConflictError: the key was used for a different request.
            FlowFailed: the flow ended ``failed`` or ``aborted``; carries partial outputs.
            WaitTimeout: ``timeout`` passed; the flow keeps running.
        """
        from generio._jobs.run import run_job  # the heaviest job: loaded on first run

        job = run_job(
            self._state, template, inputs, parameters=parameters, additional=additional,
            out_dir=out_dir, timeout=timeout, on_progress=on_progress,
            idempotency_key=idempotency_key, on_interrupt=on_interrupt,
            fetch_outputs=fetch_outputs, out_name=out_name, progress_interval=progress_interval,
        )  # fmt: skip
        return self._driver.drive(job)

    def run_many(
        self,
        jobs: Iterable[Job],
        *,
        concurrency: int = 8,
        on_progress: BatchCallback | None = None,
        on_interrupt: OnInterrupt = "auto",
        journal: str | os.PathLike[str] | None = None,
    ) -> list[Outcome]:
        """Run many jobs, at most ``concurrency`` at a time; one result per job, in order.

        Args:
            jobs: each a :class:`~generio.Job`: :meth:`run`'s arguments, plus ``then`` to
                chain steps (each step's inputs are the previous step's outputs), e.g.
                ``{"template": "model_generate_fromprompt", "inputs": "a chair",
                "then": {"template": "model_optimize"}, "idempotency_key": "chair-1"}``.
            concurrency: how many jobs' flows run at once. A job whose last flow has
                ended saves its outputs without holding a place, so the next job's flow
                starts meanwhile (at most ``concurrency`` jobs save at once).
            on_progress: called with a :class:`~generio.BatchProgress` whenever a job
                starts or ends (in the calling thread).
            on_interrupt: what happens to the flows in flight when the batch is
                interrupted: ``"abort"`` them, ``"keep"`` them running so a re-run with
                the same keys collects them, or ``"auto"`` (the default, as in ``run()``
                and ``generio batch``): keep those of jobs with your ``idempotency_key``,
                abort the others (nobody could collect them). A job's own wins.
            journal: a file where each keyed job's flow id is recorded as soon as it is
                known (made, with its folder, if missing). Run the batch again with
                the same journal after a crash: those jobs need no lookup in the account's
                listing, and jobs whose create was in flight are looked for among flows
                created since. See README, "Resume after a crash".

        Returns:
            For each job, in order, its :class:`~generio.RunResult` (``.steps`` holds every
            step's flow) or the :class:`~generio.GenerioError` it ended with. Any other
            exception a job raises is wrapped in a :class:`~generio.JobError` (the original
            is its ``__cause__``): one job's failure never stops the others.

        Raises:
            ConfigurationError: ``concurrency`` is not an integer >= 1.
            InputError: a job is unusable (an unknown key, no template), or the journal
                cannot be read, before any request.
            LookupIncompleteError: (as a job's result) its key's lookup could not finish.
            ClientClosedError: the client was closed.
        """
        iterator = self.iter_run_many(
            jobs,
            concurrency=concurrency,
            on_progress=on_progress,
            on_interrupt=on_interrupt,
            journal=journal,
        )
        with contextlib.closing(iterator):
            done = dict(iterator)
        return [done[index] for index in sorted(done)]

    def iter_run_many(
        self,
        jobs: Iterable[Job],
        *,
        concurrency: int = 8,
        on_progress: BatchCallback | None = None,
        on_interrupt: OnInterrupt = "auto",
        journal: str | os.PathLike[str] | None = None,
    ) -> Generator[tuple[int, Outcome], None, None]:
        """Like :meth:`run_many`, yielding ``(index, result)`` as each job ends.

        Leaving the loop early (``break``, an exception) stops the batch: the flows of the
        jobs in flight are aborted or kept as ``on_interrupt`` says.

        Raises:
            ConfigurationError: ``concurrency`` is not an integer >= 1 (at the call).
            InputError: a job is unusable, at the call, before any request.
            ClientClosedError: the client was closed.
        """
        from generio._drivers.batch_sync import iterate  # the batch's modules: on first use

        return iterate(self._driver, jobs, concurrency, on_progress, on_interrupt, journal)

    def close(self) -> None:
        """Close the connections generio opened (not those of your ``http_client``).

        Calls still running in other threads are interrupted at their next step (a poll's
        pause ends at once, a download stops between two chunks) and fail with
        :class:`~generio.ClientClosedError`; a ``run()`` first aborts its flow, or keeps it
        with ``on_interrupt="keep"``, and the error names it (``generio_flow_id``). Closing
        waits for those clean-ups (at most 10 s), then closes the pools. The copies made
        by :meth:`with_options` are closed with it; closing a copy closes only the copy.
        """
        life = self._state.life
        life.begin_close()
        life.wait_calls(_CLEANUP_SECONDS)
        self._state.wait_for_cleanups(_CLEANUP_SECONDS)
        life.mark_closed()
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
