"""Jobs as generators of effects: the logic once, the I/O in two thin drivers.

A multi-step job (wait, run, create with reconciliation, download) is a generator that
yields *effects* — "make this API call", "sleep this long", "stream this download" — and
receives each effect's result (or has its exception thrown in). It does no I/O itself, so
the same job runs under :class:`~generio.Generio` (whose driver performs effects with
blocking calls) and :class:`~generio.AsyncGenerio` (whose driver awaits them).

Interruption: when a ``KeyboardInterrupt`` or a task cancellation reaches a job, the job may
still yield clean-up effects (find the flow by its key, abort it) before re-raising. The
drivers run those in *cleanup* mode: the async one shields them from the cancellation, with a
deadline, and repeats a step a native asyncio cancellation broke; closing a client waits for
clean-ups still running (``ClientState.cleaning_up``).

Unreadable answers: a 2xx whose body cannot be parsed (JSON cut short on the way) reaches
no transport retry, since the transport saw a success. For an idempotent request the
:class:`Stepper` repeats the call itself, within its budget, before the job sees an error;
a POST's cut answer goes to the job, which reconciles (``_create.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeAlias, TypeVar

import attrs

from generio._retry import Budget, delay, rereads_unreadable

if TYPE_CHECKING:
    from generio._operations import Operation

__all__ = ["Call", "Download", "Effect", "Job", "Sleep", "Stepper"]

T = TypeVar("T")
logger = logging.getLogger("generio")


@attrs.frozen
class Call(Generic[T]):
    """Perform one API operation within ``budget``; the result is the parsed object.

    Attributes:
        op: what to send and how to read the answer.
        budget: the retry budget of the logical call this request belongs to.
    """

    op: Operation[T]
    budget: Budget


@attrs.frozen
class Sleep:
    """Wait ``seconds`` (a poll interval or a retry backoff)."""

    seconds: float


@attrs.frozen
class Saved:
    """What a :class:`Download` left: the file and its content's MIME type."""

    path: Path
    mime_type: str


@attrs.frozen
class Download:
    """Stream ``GET path`` into a new file in ``directory``; the result is a :class:`Saved`.

    Attributes:
        path: the output's URL path.
        asset_id: the output's id, which names the file.
        directory: where the file goes; nothing is written outside it.
        taken: file names already used in this batch.
        budget: the retry budget of this download.
        stem: when set, the file is named ``<stem>-<flow>-<index>.<ext>`` (``_names.py``)
            instead of after the asset id, never over an existing file.
        flow_id: the output's flow, for that name.
        index: the output's position among the flow's outputs, for that name.
        filename: when set, exactly this name (``dest=``), replacing a file of that name.
    """

    path: str
    asset_id: str
    directory: Path
    taken: frozenset[str]
    budget: Budget
    stem: str | None = None
    flow_id: str = ""
    index: int = 0
    filename: str | None = None


Effect: TypeAlias = Call[Any] | Sleep | Download
#: A job: yields effects, receives their results, returns its value.
Job: TypeAlias = Generator[Effect, Any, T]


class Stepper(Generic[T]):
    """Advances a job: feeds results and errors in, hands the next effect out.

    The sync and async drivers differ only in how they perform an effect::

        stepper = Stepper(job)
        while (effect := stepper.advance()) is not None:
            try:
                stepper.succeed(perform(effect, stepper.cleanup))
            except BaseException as exc:
                stepper.fail(exc)
        return stepper.result
    """

    __slots__ = ("_error", "_job", "_last", "_replay", "_value", "cleanup", "result")

    def __init__(self, job: Job[T]) -> None:
        self._job = job
        self._value: Any = None
        self._error: BaseException | None = None
        self._last: Effect | None = None
        #: Effects to hand out before resuming the job: a backoff and a repeated call.
        self._replay: list[Effect] = []
        #: True once an interruption reached the job: what it still yields is clean-up.
        self.cleanup = False
        self.result: T

    def advance(self) -> Effect | None:
        """Resume the job; its next effect, or None when it returned (see ``result``).

        Raises:
            BaseException: whatever the job raises, including an error fed in and re-raised.
        """
        if self._replay:
            self._last = self._replay.pop(0)
            return self._last
        error, self._error = self._error, None
        try:
            effect = self._job.send(self._value) if error is None else self._job.throw(error)
        except StopIteration as stop:
            self.result = stop.value
            return None
        self._last = effect
        return effect

    def succeed(self, value: object) -> None:
        """Record the last effect's result, for the next :meth:`advance`."""
        self._value = value

    def fail(self, error: BaseException) -> None:
        """Record the last effect's exception, thrown in by the next :meth:`advance`.

        An idempotent call whose 2xx answer could not be read is repeated instead, after a
        backoff, while its budget allows.
        """
        self._value = None
        self._replay = []
        last = self._last
        if isinstance(last, Call) and rereads_unreadable(last.op.method, error, last.budget):
            wait = delay(last.budget.take())
            logger.debug(
                "retrying %s %s in %.2fs: its answer could not be read (retry %d of %d)",
                last.op.method,
                last.op.path,
                wait,
                last.budget.used,
                last.budget.max_retries,
            )
            self._replay = [Sleep(wait), last]
            return
        self._error = error
        if not isinstance(error, Exception):  # KeyboardInterrupt, CancelledError, ...
            self.cleanup = True
