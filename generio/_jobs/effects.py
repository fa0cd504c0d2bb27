"""Jobs as generators of effects: the logic once, the I/O in two thin drivers.

A multi-step job (wait, run, create with reconciliation, download) is a generator that
yields *effects* — "make this API call", "sleep this long", "stream this download", "do this
local file work" — and receives each effect's result (or has its exception thrown in). It
does no I/O itself, so the same job runs under :class:`~generio.Generio` and
:class:`~generio.AsyncGenerio` (drivers in ``generio._drivers``), and under a fake driver
in the unit tests.

Interruption: when a ``KeyboardInterrupt`` or a task cancellation reaches a job, the job may
still yield clean-up effects (find the flow by its key, abort it) before re-raising. The
drivers run those in *cleanup* mode: the async one shields them from the cancellation, with a
deadline, and repeats a step a native asyncio cancellation broke; closing a client waits for
clean-ups still running (``ClientState.cleaning_up``).

Retries are decided by the jobs (``retries.py``), never here: the :class:`Stepper` only
feeds results and errors in.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeAlias, TypeVar

import attrs

from generio._http.policy import Budget

if TYPE_CHECKING:
    from generio._http.operations import Operation

__all__ = [
    "Call",
    "Download",
    "Effect",
    "Job",
    "Local",
    "Saved",
    "Sleep",
    "Stepper",
    "download",
    "local",
    "perform_local",
]

T = TypeVar("T")


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
    """Stream the output ``op`` reads into a new file in ``directory``; a :class:`Saved`.

    Attributes:
        op: the request of the output's content (``get_output_op``).
        asset_id: the output's id, which names the file.
        directory: where the file goes; nothing is written outside it.
        taken: file names already used in this batch.
        budget: the retry budget of this download.
        stem: when set, the file is named ``<stem>-<flow>-<index>.<ext>`` (``_payload/names.py``)
            instead of after the asset id, never over an existing file.
        flow_id: the output's flow, for that name.
        index: the output's position among the flow's outputs, for that name.
        filename: when set, exactly this name (``dest=``), replacing a file of that name.
        named: when set, the file is ``<named>.<ext>`` (``<named>-<index>.<ext>`` after the
            first output), replacing a file of that name (a batch job's ``out_name``).
        deadline: the ``time.monotonic()`` by which the download must be done (the fetch's
            ``download_timeout``, retries included), or None.
    """

    op: Operation[Any]
    asset_id: str
    directory: Path
    taken: frozenset[str]
    budget: Budget
    stem: str | None = None
    flow_id: str = ""
    index: int = 0
    filename: str | None = None
    named: str | None = None
    deadline: float | None = None

    @property
    def path(self) -> str:
        """The output's URL path, for messages."""
        return self.op.path


class Local(Generic[T]):
    """Local file work a job needs done (make a directory, read input files' heads).

    A job yields it rather than touching the disk, so the job stays a pure description;
    the drivers call :meth:`perform` (see :func:`perform_local`), a fake driver may answer
    it from a script instead. ``blocking`` work (a file synced to disk) runs in a worker
    thread under the async driver, so the event loop never waits on the disk.
    """

    blocking: ClassVar[bool] = False

    def perform(self) -> T:
        """Do the work; the result is sent back into the job."""
        raise NotImplementedError


Effect: TypeAlias = Call[Any] | Sleep | Download | Local[Any]
#: A job: yields effects, receives their results, returns its value.
Job: TypeAlias = Generator[Effect, Any, T]


def local(work: Local[T]) -> Generator[Local[T], Any, T]:
    """Have ``work`` done by the driver; the result comes back typed.

    Use as ``result = yield from local(work)``.
    """
    result: T = yield work
    return result


def download(effect: Download) -> Generator[Download, Any, Saved]:
    """Have the driver stream ``effect`` to a file; the result says where, and what type."""
    saved: Saved = yield effect
    return saved


def perform_local(effect: Local[T]) -> T:
    """Perform a :class:`Local` effect here and now, as both real drivers do."""
    return effect.perform()


class Stepper(Generic[T]):
    """Advances a job: feeds results and errors in, hands the next effect out.

    The drivers differ only in how they perform an effect::

        stepper = Stepper(job)
        while (effect := stepper.advance()) is not None:
            try:
                stepper.succeed(perform(effect, stepper.cleanup))
            except BaseException as exc:
                stepper.fail(exc)
        return stepper.result

    It holds no policy: whether a failed effect is tried again is the job's decision.
    """

    __slots__ = ("_error", "_job", "_value", "cleanup", "result")

    def __init__(self, job: Job[T]) -> None:
        self._job = job
        self._value: Any = None
        self._error: BaseException | None = None
        #: True once an interruption reached the job: what it still yields is clean-up.
        self.cleanup = False
        self.result: T

    def advance(self) -> Effect | None:
        """Resume the job; its next effect, or None when it returned (see ``result``).

        Raises:
            BaseException: whatever the job raises, including an error fed in and re-raised.
        """
        error, self._error = self._error, None
        try:
            effect = self._job.send(self._value) if error is None else self._job.throw(error)
        except StopIteration as stop:
            self.result = stop.value
            return None
        return effect

    def succeed(self, value: object) -> None:
        """Record the last effect's result, for the next :meth:`advance`."""
        self._value = value

    def fail(self, error: BaseException, *, interruption: bool = False) -> None:
        """Record the last effect's exception, thrown in by the next :meth:`advance`.

        Args:
            error: the exception.
            interruption: it interrupts the job (its client is closing), like any
                ``BaseException`` that is no ``Exception``: what the job yields next is
                clean-up.
        """
        self._value = None
        self._error = error
        if interruption or not isinstance(error, Exception):  # KeyboardInterrupt, ...
            self.cleanup = True
