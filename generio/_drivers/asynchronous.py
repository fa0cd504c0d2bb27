"""The async driver: awaits each effect of a job (anyio: asyncio and trio alike)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from generio._drivers.answers import generio_errors, read_answer
from generio._errors import ClientClosedError, GenerioError, WrongEventLoopError
from generio._http.bounded import body_limit
from generio._http.policy import budget_scope
from generio._jobs.effects import (
    Download,
    Effect,
    Job,
    Local,
    Saved,
    Sleep,
    Stepper,
    perform_local,
)
from generio._jobs.state import ClientState

if TYPE_CHECKING:
    import anyio.lowlevel

__all__ = ["CLEANUP_SECONDS", "AsyncDriver"]

T = TypeVar("T")
#: How long clean-up after a cancellation (aborting the flow) may take, shielded.
CLEANUP_SECONDS = 10.0


class AsyncDriver:
    """Runs jobs for :class:`~generio.AsyncGenerio`: no policy, only I/O.

    Args:
        http: the client's httpx client (retrying, bounded transports).
        state: the client's state (settings, clean-up count).
        loop: the event loop the connections already belong to, if any.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        state: ClientState,
        loop: anyio.lowlevel.EventLoopToken | None = None,
    ) -> None:
        self._http = http
        self._state = state
        #: The event loop of the first call: the connections belong to it (a copy made by
        #: ``with_options`` shares them, so it inherits the loop).
        self.loop = loop

    def check_usable(self) -> None:
        """Refuse a closed client, or one whose connections belong to another event loop.

        Raises:
            ClientClosedError: the client was closed.
            WrongEventLoopError: the client was first used in another event loop.
        """
        import anyio.lowlevel

        if self._http.is_closed:
            raise ClientClosedError("AsyncGenerio")
        token = anyio.lowlevel.current_token()
        if self.loop is None:
            self.loop = token
        elif self.loop != token:
            raise WrongEventLoopError()

    async def drive(self, job: Job[T]) -> T:
        """Run a job to its end, awaiting its effects (see :meth:`check_usable`)."""
        try:
            self.check_usable()
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
                    stepper.succeed(await self.perform(effect, cleanup=stepper.cleanup))
                except BaseException as exc:  # noqa: BLE001 - the job decides; it re-raises
                    stepper.fail(exc)
            return stepper.result
        finally:
            if counted:
                self._state.cleanup_ended()

    async def perform(self, effect: Effect, *, cleanup: bool) -> Any:
        """Perform one effect; in clean-up, shielded from the cancellation, with a deadline."""
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
        if isinstance(effect, Local):
            if effect.blocking:
                import anyio.to_thread

                return await anyio.to_thread.run_sync(perform_local, effect)
            return perform_local(effect)
        op = effect.op
        with budget_scope(effect.budget), generio_errors(op, self._state.settings.api_key):
            return read_answer(op, await self._http.request(**op.raw_request(asynchronous=True)))

    async def _download(self, effect: Download) -> Saved:
        # The writer (JSON scanning, base64, safe files) loads on the first download.
        from generio._drivers.writer import (
            DownloadLimits,
            OutputWriter,
            check_download,
            download_op,
        )

        limits = DownloadLimits.start(self._state.settings)
        timeout = limits.request_timeout(self._http.timeout)
        writer: OutputWriter | None = None
        try:
            with (
                budget_scope(effect.budget),
                generio_errors(download_op(effect), self._state.settings.api_key),
                body_limit(limits.body()),
            ):
                async with self._http.stream("GET", effect.path, timeout=timeout) as response:
                    if not response.is_success:
                        await response.aread()
                    check_download(effect, response)
                    content_type = response.headers.get("content-type", "")
                    writer = OutputWriter(effect, content_type, limits).__enter__()
                    async for chunk in response.aiter_bytes():
                        writer.feed(chunk)
                    saved = writer.finish()
        except BaseException as exc:
            if writer is not None:
                writer.__exit__(type(exc), exc, exc.__traceback__)  # nothing is kept
            raise
        # Committing syncs the file and its directory to disk: in a worker thread, so the
        # event loop (every other flow of a batch) never waits on the disk.
        import anyio.to_thread

        await anyio.to_thread.run_sync(writer.__exit__, None, None, None)
        return saved
