"""The blocking driver: performs each effect of a job with a blocking call."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import attrs
import httpx

from generio._drivers.answers import generio_errors, read_answer
from generio._errors import ClientClosedError
from generio._http.retrying import tags
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

__all__ = ["Stop", "SyncDriver"]

T = TypeVar("T")


@attrs.frozen
class Stop:
    """A way to stop a job driven in a worker thread.

    Attributes:
        event: set (by any thread) to stop.
        error: makes the exception thrown into the job at its next step; a
            ``BaseException`` that is no ``Exception``, so the job cleans up.
    """

    event: threading.Event
    error: Callable[[], BaseException]


class SyncDriver:
    """Runs jobs for :class:`~generio.Generio`: no policy, only I/O.

    Args:
        http: the client's httpx client (retrying, bounded transports).
        state: the client's state (settings, clean-up count).
    """

    def __init__(self, http: httpx.Client, state: ClientState) -> None:
        self._http = http
        self._state = state

    @property
    def closed(self) -> bool:
        """Whether the client's connections were closed."""
        return self._http.is_closed

    def drive(self, job: Job[T], stop: Stop | None = None) -> T:
        """Run a job to its end, performing its effects with blocking calls.

        Args:
            job: the job.
            stop: once set, the job is interrupted at its next step (clean-up still runs),
                and its pauses end early (``run_many``'s workers).

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
                if stop is not None and not stepper.cleanup:
                    if stop.event.is_set():
                        stepper.fail(stop.error())
                        continue
                    if isinstance(effect, Sleep):
                        stop.event.wait(effect.seconds)  # a stop never waits out a pause
                        stepper.succeed(None)
                        continue
                try:
                    stepper.succeed(self.perform(effect))
                except BaseException as exc:  # noqa: BLE001 - the job decides; it re-raises
                    stepper.fail(exc)
            return stepper.result
        finally:
            if counted:
                self._state.cleanup_ended()

    def perform(self, effect: Effect) -> Any:
        """Perform one effect; its result (or its exception) goes back to the job."""
        if isinstance(effect, Sleep):
            time.sleep(effect.seconds)
            return None
        if isinstance(effect, Download):
            return self._download(effect)
        if isinstance(effect, Local):
            return perform_local(effect)
        op = effect.op
        extensions, seen = tags(effect.budget)
        with generio_errors(op, self._state.settings.api_key, seen):
            return read_answer(op, self._http.request(**op.raw_request(), extensions=extensions))

    def _download(self, effect: Download) -> Saved:
        # The writer (JSON scanning, base64, safe files) loads on the first download.
        from generio._drivers.writer import (
            DownloadLimits,
            OutputWriter,
            check_download,
            download_op,
            past_deadline,
        )

        limits = DownloadLimits.start(self._state.settings, effect.deadline)
        extensions, seen = tags(effect.budget, limits.body())
        timeout = limits.request_timeout(self._http.timeout)
        with (
            past_deadline(effect, limits),
            generio_errors(download_op(effect), self._state.settings.api_key, seen),
            self._http.stream("GET", effect.path, timeout=timeout, extensions=extensions) as answer,
        ):
            if not answer.is_success:
                answer.read()
            check_download(effect, answer)
            content_type = answer.headers.get("content-type", "")
            with OutputWriter(effect, content_type, limits) as writer:
                for chunk in answer.iter_bytes():
                    writer.feed(chunk)
                return writer.finish()
