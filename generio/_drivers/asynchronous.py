"""The async driver: awaits each effect of a job (anyio: asyncio and trio alike)."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from generio._drivers.answers import Prefix, check_status, guarded, read_answer
from generio._errors import ClientClosedError, GenerioError, WrongEventLoopError
from generio._jobs.effects import Download, Effect, Job, Local, Saved, Sleep, Stepper
from generio._jobs.state import ClientState, InFlight

if TYPE_CHECKING:
    import anyio.lowlevel


T = TypeVar("T")
#: How long clean-up after an interruption (aborting the flow) may take; close() waits as long.
CLEANUP_SECONDS = 10.0
#: An output up to this size is held in memory, then written in one trip to a worker thread:
#: a batch of hundreds of downloads at once holds tens of MB at most.
HOLD_BYTES = 256 * 1024


class AsyncDriver:
    """Runs jobs to their end, awaited (asyncio or trio): no policy, only I/O."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        state: ClientState,
        loop: anyio.lowlevel.EventLoopToken | None = None,
    ) -> None:
        self.http = http
        self.state = state
        #: The event loop of the first call, which the connections belong to (and copies').
        self.loop = loop
        self._pid = os.getpid()
        self._prefix = Prefix()

    def check_usable(self) -> None:
        """Refuse a closed client, or one whose connections belong to another event loop."""
        import anyio.lowlevel

        if self.http.is_closed or self.state.life.closing:
            raise ClientClosedError("AsyncGenerio")
        token = anyio.lowlevel.current_token()
        if self._pid != os.getpid():
            self._pid, self.loop = os.getpid(), None
        if self.loop is None:
            self.loop = token
        elif self.loop != token:
            raise WrongEventLoopError()

    def _closed_error(self) -> ClientClosedError:
        return ClientClosedError("AsyncGenerio", in_flight=True)

    async def drive(self, job: Job[T], on_ended: Callable[[], object] | None = None) -> T:
        """Run a job to its end, awaiting its effects (see :meth:`check_usable`)."""
        try:
            self.check_usable()
        except GenerioError:
            job.close()
            raise
        life = self.state.life
        call = life.enter()
        stepper = Stepper(job, on_ended, functools.partial(self.state.cleanup_started, call))
        try:
            while True:
                # Each step, up to its result and the loop's jump back, is in the try: trio's
                # Ctrl-C lands on any line, and the job must hear of it to clean up.
                try:
                    while True:
                        if (effect := stepper.advance()) is None:
                            return stepper.result
                        if not stepper.cleanup and life.closing:
                            stepper.fail(self._closed_error(), interruption=True)
                            continue
                        cleanup = stepper.cleanup
                        step = self._clean_up(effect) if cleanup else self._step(effect, call)
                        stepper.succeed(await step)
                except BaseException as exc:  # the job decides; it re-raises
                    if not stepper.suspended:
                        raise  # the job's own end (its error), or Ctrl-C once it had ended
                    closing = not stepper.cleanup and isinstance(exc, ClientClosedError)
                    stepper.fail(exc, interruption=closing and life.closing)
        finally:
            life.leave(call)
            self.state.cleanup_ended(call)

    async def _step(self, effect: Effect, call: InFlight) -> Any:
        """Perform one effect in a scope that closing the client cancels."""
        import anyio

        with anyio.CancelScope() as scope:
            call.scope = scope
            try:
                return await self._perform_now(effect)
            finally:
                call.scope = None
        raise self._closed_error()  # the scope was cancelled by aclose()

    async def _clean_up(self, effect: Effect) -> Any:
        """Perform one effect of a clean-up: shielded from the cancellation, with a deadline."""
        import anyio

        deadline = anyio.current_time() + CLEANUP_SECONDS
        with anyio.CancelScope(shield=True, deadline=deadline) as scope:
            while True:
                try:
                    return await self._perform_now(effect)
                except anyio.get_cancelled_exc_class():
                    # A shield holds off anyio's cancellations, not asyncio's task.cancel():
                    # the step (idempotent: a lookup, an abort) is repeated until the deadline.
                    if scope.cancel_called or anyio.current_time() >= deadline:
                        raise
        return None  # the deadline passed  # pragma: no cover

    async def _perform_now(self, effect: Effect) -> Any:
        import anyio

        if isinstance(effect, Sleep):
            await anyio.sleep(effect.seconds)
            return None
        if isinstance(effect, Local):
            if effect.blocking:
                import anyio.to_thread

                return await anyio.to_thread.run_sync(effect.perform)
            return effect.perform()
        if self.http.is_closed or self.state.life.closed:
            raise self._closed_error()
        if isinstance(effect, Download):
            return await self._download(effect)
        op = effect.op
        extensions, errors = guarded(op, effect.budget, self.state.settings)
        with errors:
            request = op.raw_request(asynchronous=True, base=self._prefix.of(self.http))
            return read_answer(op, await self.http.request(**request, extensions=extensions))

    async def _download(self, effect: Download) -> Saved:
        from generio._drivers.download import DownloadLimits, past_deadline
        from generio._drivers.writer import OutputWriter  # loaded on the first download

        limits = DownloadLimits.start(self.state.settings, effect.deadline)
        extensions, errors = guarded(effect.op, effect.budget, self.state.settings)
        timeout = limits.request_timeout(self.http.timeout)
        writer: OutputWriter | None = None
        try:
            with past_deadline(effect.path, limits), errors:
                stream = self.http.stream(
                    **effect.op.raw_request(asynchronous=True, base=self._prefix.of(self.http)),
                    timeout=timeout,
                    extensions=extensions,
                )
                async with stream as answer:
                    if not answer.is_success:
                        await answer.aread()
                    check_status(effect.op, answer)
                    content_type = answer.headers.get("content-type", "")
                    writer = OutputWriter(effect, content_type, limits, HOLD_BYTES)
                    writer.__enter__()
                    async for chunk in answer.aiter_bytes():
                        writer.content.feed(chunk)
                    mime = writer.content.finish()
        except BaseException as exc:
            if writer is not None:
                writer.__exit__(type(exc), exc, exc.__traceback__)  # nothing is kept
            raise
        import anyio.to_thread  # the event loop (every other flow) never waits on the disk

        return await anyio.to_thread.run_sync(writer.commit, mime)
