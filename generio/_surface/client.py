""":class:`Generio`, the blocking client: its public surface."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Generator, Iterable, Mapping
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
from generio._surface.base import ClientBase, Resource
from generio._surface.flows import Flows
from generio._surface.templates import Templates

if TYPE_CHECKING:
    import generio_api

    from generio._drivers.sync import SyncDriver
    from generio._jobs.batch import Job, Outcome
    from generio._jobs.batch_progress import BatchCallback


class Generio(ClientBase):
    """The GENERIO Flows API client (blocking). Safe to share between threads.

    Args:
        api_key: the API key; ``$GENERIO_API_KEY`` when None.
        base_url: the service's URL; ``$GENERIO_BASE_URL``, else https://flows.generio.ai.
        timeout: per-request timeout in seconds or an ``httpx.Timeout`` (default 30 s, 10 s
            to connect); None for none at all.
        max_retries: extra attempts per call on failures that are safe to retry.
        http_client: your own ``httpx.Client`` (proxies, certificates, limits), left
            unmodified and closed by you; generio adds the base URL, auth, its timeout
            (yours when ``timeout`` is not given), retries and logging. Set no ``auth`` on it.
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

    if TYPE_CHECKING:  # read-only properties; at run time Resource serves them, for help()

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
        to the ``sync*`` functions of ``generio_api.api`` (``asyncio*`` for AsyncGenerio).
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

        The copy shares the connection pools (and your ``http_client``) and template cache.
        Closing a copy leaves the pools open; closing the original closes its copies too
        (their calls then fail with ``ClientClosedError``).

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

        Checks the inputs, creates the flow (it starts by itself), waits, then writes the
        outputs to ``out_dir`` (``.paths``), or returns them with their content in ``.data``,
        or, with ``fetch_outputs=False``, leaves them on the service. Ctrl-C aborts the flow
        or keeps it (``on_interrupt``), then re-raises. Fetching the paid outputs rides out
        transient failures until ``download_timeout``; every error raised once the flow
        exists carries ``generio_flow_id``.

        >>> client.run("model_generate_fromprompt", "a chair", out_dir="out")  # doctest: +SKIP

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
            on_interrupt: the flow's fate when the run is interrupted (Ctrl-C,
                cancellation, an exception from ``on_progress``): ``"abort"``, ``"keep"``
                (for a keyed re-run to collect, paying nothing more), or ``"auto"`` (the
                default, as in batches and the CLI): keep it when you gave an
                ``idempotency_key``, abort it otherwise. The exception is re-raised with
                ``generio_flow_id`` (the flow's id, or None) and a note.
            fetch_outputs: False leaves the outputs on the service: ``.outputs`` lists them
                (id, status, the MIME type the template declares) without content, for
                :meth:`Flows.stream_output` or :meth:`Flows.download_output` later;
                ``out_dir`` and ``out_name`` then have nothing to write.
            out_name: name the files ``<out_name>.<ext>`` (then ``<out_name>-1.<ext>``,
                ...) instead of the readable default; a file of that name is replaced.
            progress_interval: look at the flow at least this often (seconds, 0.2 at the
                least), so ``on_progress`` sees progress move that often; each look is one
                request. None: as often as the finish estimate needs.

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
                chain steps (each step's inputs are the previous step's outputs).
            concurrency: how many jobs' flows run at once (a job whose last flow ended
                saves its outputs beside the next job's flow; at most ``concurrency`` save
                at once).
            on_progress: called with a :class:`~generio.BatchProgress` whenever a job
                starts or ends (in the calling thread).
            on_interrupt: the fate of the flows in flight when the batch is interrupted:
                ``"abort"``, ``"keep"`` (a re-run with the same keys collects them), or
                ``"auto"``: keep those of keyed jobs, abort the others (nobody could collect
                them). A job's own wins.
            journal: a file recording each keyed job's flow id as soon as it is known
                (made, with its folder, if missing). A re-run after a crash with it needs no
                lookup for those jobs; jobs whose create was in flight are looked for among
                flows created since. See README, "Resume after a crash".

        >>> results = client.run_many([{"template": "model_generate_fromprompt",
        ...                             "inputs": "a chair"}])  # doctest: +SKIP

        Returns:
            For each job, in order, its :class:`~generio.RunResult` or the
            :class:`~generio.GenerioError` it ended with (any other exception wrapped in a
            :class:`~generio.JobError`, the original its ``__cause__``): one job's failure
            never stops the others. A chained job's ``.steps`` holds every step's flow.

        Raises:
            ConfigurationError: ``concurrency`` is not an integer >= 1.
            InputError: a job is unusable (an unknown key, no template), or the journal
                cannot be read, before any request.
            LookupIncompleteError: (as a job's result) its key's lookup could not finish.
            ClientClosedError: the client was closed.
        """
        from generio._drivers.batch_sync import iterate  # the batch's modules: on first use

        iterator = iterate(self._driver, jobs, concurrency, on_progress, on_interrupt, journal)
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

        Calls running in other threads fail at their next step with
        :class:`~generio.ClientClosedError` (a poll's pause ends at once, a download stops
        between two chunks); a ``run()`` first aborts (or keeps) its flow, the error naming
        it (``generio_flow_id``), and closing waits for that (at most 10 s), then closes
        the pools. Copies made by :meth:`with_options`
        close with it; closing a copy closes only the copy.
        """
        life = self._state.life
        life.begin_close()
        life.wait_calls(CLEANUP_SECONDS)
        self._state.wait_for_cleanups(CLEANUP_SECONDS)
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
