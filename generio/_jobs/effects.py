"""Jobs as generators of effects: the logic once, the I/O in two thin drivers.

A job does no I/O, so the same logic runs under both clients (and a fake driver in
the unit tests); an interrupted job may still yield its clean-up effects.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeAlias, TypeVar

import attrs

from generio._http.policy import Budget

if TYPE_CHECKING:
    from generio._http.operations import Operation


T = TypeVar("T")


@attrs.frozen
class Call(Generic[T]):
    """Perform one API operation within ``budget``; the result is the parsed object."""

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
    """Stream the output ``op`` reads into a new file in ``directory``; a :class:`Saved`."""

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


@attrs.frozen
class Ended:
    """The job's last flow has ended: a batch may start its next job while this one saves."""


@attrs.frozen
class CleaningUp:
    """The job was interrupted: what it yields from now on is clean-up (never cut short).

    The job says so itself, for an interruption the driver never saw (its ``on_progress``
    raising KeyboardInterrupt inside the job).
    """


class Local(Generic[T]):
    """Local file work a job needs done (make a directory, read input files' heads)."""

    blocking: ClassVar[bool] = False

    def perform(self) -> T:
        """Do the work; the result is sent back into the job."""
        raise NotImplementedError


Effect: TypeAlias = Call[Any] | Sleep | Download | Local[Any]
#: A job: yields effects (and its :class:`Ended` news), receives their results, returns its value.
Job: TypeAlias = Generator[Effect | Ended | CleaningUp, Any, T]


def local(work: Local[T]) -> Generator[Local[T], Any, T]:
    """Have ``work`` done by the driver; the result comes back typed."""
    result: T = yield work
    return result


class Stepper(Generic[T]):
    """Advances a job: feeds results and errors in, hands the next effect out."""

    __slots__ = ("_error", "_job", "_on_cleanup", "_on_ended", "_value", "cleanup", "result")

    def __init__(
        self,
        job: Job[T],
        on_ended: Callable[[], object] | None = None,
        on_cleanup: Callable[[], object] | None = None,
    ) -> None:
        self._job = job
        self._on_ended = on_ended
        self._on_cleanup = on_cleanup  # told once, when the clean-up begins (close() waits)
        self._value: Any = None
        self._error: BaseException | None = None
        #: True once an interruption reached the job: what it still yields is clean-up.
        self.cleanup = False
        self.result: T

    def advance(self) -> Effect | None:
        """Resume the job; its next effect, or None when it returned (see ``result``)."""
        error, self._error = self._error, None
        try:
            effect = self._job.send(self._value) if error is None else self._job.throw(error)
            while isinstance(effect, Ended | CleaningUp):  # news, no I/O
                if isinstance(effect, CleaningUp):
                    self._begin_cleanup()
                elif self._on_ended is not None:
                    self._on_ended()
                effect = self._job.send(None)
        except StopIteration as stop:
            self.result = stop.value
            return None
        return effect

    @property
    def suspended(self) -> bool:
        """Whether the job waits at a yield (or has not begun): an exception now is not its own.

        One that ended by raising is finished; a Ctrl-C landing in a driver's lines finds
        it suspended, and goes to it (``fail``) so that it cleans up.
        """
        return getattr(self._job, "gi_frame", None) is not None

    def succeed(self, value: object) -> None:
        """Record the last effect's result, for the next :meth:`advance`."""
        self._value = value

    def fail(self, error: BaseException, *, interruption: bool = False) -> None:
        """Record the last effect's exception, thrown in by the next :meth:`advance`."""
        self._value = None
        self._error = error
        if interruption or not isinstance(error, Exception):  # KeyboardInterrupt, ...
            self._begin_cleanup()

    def _begin_cleanup(self) -> None:
        if not self.cleanup:
            self.cleanup = True
            if self._on_cleanup is not None:
                self._on_cleanup()
