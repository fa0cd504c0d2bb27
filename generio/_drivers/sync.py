"""The blocking driver: performs each effect of a job with a blocking call."""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from generio._drivers.answers import Prefix, check_status, guarded, read_answer
from generio._errors import ClientClosedError, GenerioError
from generio._http.sending import WAKE_EXTENSION, PauseCut
from generio._jobs.effects import Download, Effect, Job, Local, Saved, Sleep, Stepper
from generio._jobs.state import ClientState

if TYPE_CHECKING:
    from generio._http.operations import Operation
    from generio._http.policy import Budget

T = TypeVar("T")


class Stopped(BaseException):
    """Thrown into a job whose ``stop`` event was set (a batch interrupted): it cleans up."""


class SyncDriver:
    """Runs jobs to their end with blocking calls: no policy, only I/O."""

    def __init__(self, http: httpx.Client, state: ClientState) -> None:
        self.http = http
        self.state = state
        # The wake-up event of the call this thread drives: closing sets it (a pause ends).
        self._pauses = threading.local()
        self._prefix = Prefix()

    @property
    def closed(self) -> bool:
        """Whether the client is closing or closed (its own, or its original's)."""
        return self.state.life.closing or self.http.is_closed

    def _closed_error(self) -> ClientClosedError:
        return ClientClosedError("Generio", in_flight=True)

    def drive(
        self,
        job: Job[T],
        stop: threading.Event | None = None,
        on_ended: Callable[[], object] | None = None,
    ) -> T:
        """Run a job to its end, performing its effects; setting ``stop`` stops it at once."""
        life = self.state.life
        if self.closed:
            job.close()
            raise ClientClosedError("Generio")
        call = life.enter(stop if stop is not None else threading.Event())
        outer, self._pauses.wake = getattr(self._pauses, "wake", None), call.wake
        outer_cut = getattr(self._pauses, "cut", None)
        stepper = Stepper(job, on_ended, functools.partial(self.state.cleanup_started, call))
        try:
            while True:
                # Each step, up to its result and the loop's jump back, is in the try:
                # Ctrl-C lands on any line, and the job must hear of it to clean up.
                try:
                    while True:
                        if (effect := stepper.advance()) is None:
                            return stepper.result
                        if not stepper.cleanup:
                            if life.closing:
                                stepper.fail(self._closed_error(), interruption=True)
                                continue
                            if stop is not None and stop.is_set():
                                stepper.fail(Stopped())
                                continue
                        # A clean-up's retries are never cut short: it has its own bound.
                        self._pauses.cut = None if stepper.cleanup else call.wake
                        stepper.succeed(self.perform(effect))
                except BaseException as exc:  # the job decides; it re-raises
                    if not stepper.suspended:
                        raise  # the job's own end (its error), or Ctrl-C once it had ended
                    if isinstance(exc, PauseCut):  # a retry's pause, ended by close() or stop
                        stopped = stop is not None and stop.is_set() and not life.closing
                        exc = Stopped() if stopped else self._closed_error()
                    closing = not stepper.cleanup and life.closing
                    if (
                        closing
                        and isinstance(exc, Exception)
                        and not isinstance(exc, ClientClosedError | GenerioError)
                    ):
                        # The pools closed under the request: that is the close's doing (a
                        # Ctrl-C meanwhile stays a Ctrl-C).
                        closed = self._closed_error()
                        closed.__cause__ = exc
                        exc = closed
                    stepper.fail(exc, interruption=closing and isinstance(exc, ClientClosedError))
        finally:
            life.leave(call)
            self._pauses.wake, self._pauses.cut = outer, outer_cut
            self.state.cleanup_ended(call)

    def perform(self, effect: Effect) -> Any:
        """Perform one effect; its result (or its exception) goes back to the job."""
        if isinstance(effect, Sleep):
            # Closing the client (or a batch's stop) ends a pause, never a clean-up's.
            if (cut := getattr(self._pauses, "cut", None)) is not None:
                cut.wait(effect.seconds)
            else:
                time.sleep(effect.seconds)
            return None
        if isinstance(effect, Local):
            return effect.perform()
        if self.http.is_closed or self.state.life.closed:
            raise self._closed_error()
        if isinstance(effect, Download):
            return self._download(effect)
        op = effect.op
        extensions, errors = self._guarded(op, effect.budget)
        with errors:
            try:
                request = op.raw_request(base=self._prefix.of(self.http))
                response = self.http.request(**request, extensions=extensions)
            except RuntimeError:
                if self.http.is_closed:  # closed by another thread a moment ago
                    raise self._closed_error() from None
                raise
            return read_answer(op, response)

    def _guarded(
        self, op: Operation[Any], budget: Budget
    ) -> tuple[dict[str, Any], AbstractContextManager[None]]:
        """``answers.guarded``, with the event that ends the request's retry pauses."""
        extensions, errors = guarded(op, budget, self.state.settings)
        if (cut := getattr(self._pauses, "cut", None)) is not None:
            extensions[WAKE_EXTENSION] = cut  # set by close() or a batch's stop: PauseCut
        return extensions, errors

    def _download(self, effect: Download) -> Saved:
        from generio._drivers.download import DownloadLimits, past_deadline
        from generio._drivers.writer import OutputWriter  # loaded on the first download

        limits = DownloadLimits.start(self.state.settings, effect.deadline)
        extensions, errors = self._guarded(effect.op, effect.budget)
        timeout = limits.request_timeout(self.http.timeout)
        with (
            past_deadline(effect.path, limits),
            errors,
            self.http.stream(
                **effect.op.raw_request(base=self._prefix.of(self.http)),
                timeout=timeout,
                extensions=extensions,
            ) as answer,
        ):
            if not answer.is_success:
                answer.read()
            check_status(effect.op, answer)
            content_type = answer.headers.get("content-type", "")
            life = self.state.life
            with OutputWriter(effect, content_type, limits) as writer:
                for chunk in answer.iter_bytes():
                    if life.closing:  # close() stops a download at once (never a clean-up's)
                        raise self._closed_error()
                    writer.content.feed(chunk)
                return writer.saved(writer.content.finish())
