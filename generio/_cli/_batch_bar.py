"""The progress of a whole batch: one live area on a terminal, plain lines elsewhere.

It is the batch's ``on_progress`` (a :class:`~generio.BatchProgress` on every start and end
of a job). On a terminal (stderr), one live area sits at the bottom of the screen: the bar
with the counts and the time left, and under it the jobs in flight with how long each has
run. Each finished job's line (:meth:`BatchBar.finished`) is printed *above* that area,
through the same console, so the two never overwrite each other and no stale bar is left
behind::

    line 1 completed out/line-0001/output-....glb
    batch  ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━  1/6  2 running, 3 queued  ~0:00:40 left
      line 2  model_generate_fromprompt > model_optimize  0:00:03
      line 3  model_generate_fromimage  0:00:01

Elsewhere (a pipe, a CI log), finished jobs go to stdout as plain lines and stderr gets one
plain line each time a job ends, with the counts.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.progress import Progress, TaskID

    from generio import BatchProgress

__all__ = ["BatchBar", "counts"]

#: Jobs in flight listed under the bar at most; the rest are counted on one more line.
MAX_SHOWN = 8


def _clock(seconds: float) -> str:
    whole = max(0, round(seconds))
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def _left(seconds: float | None) -> str:
    return "time left unknown" if seconds is None else f"~{_clock(seconds)} left"


def counts(progress: BatchProgress) -> str:
    """Say the counts in a few words: ``2 running, 1 saving, 3 queued, 1 failed``."""
    parts = [f"{progress.running} running", f"{progress.queued} queued"]
    if progress.saving:
        parts.insert(1, f"{progress.saving} saving")
    if progress.failed:
        parts.append(f"{progress.failed} failed")
    return ", ".join(parts)


class BatchBar:
    """The batch's display; use as a context manager and pass it as ``on_progress``.

    Args:
        total: jobs in the batch.
        labels: how each job is named in the list of jobs in flight (by index); ``job N``
            when not given.

    Attributes:
        started: when each job began (``time.monotonic()``), by index.
        seconds: how long each job that ended took, by index.
    """

    def __init__(self, total: int, labels: Sequence[str] | None = None) -> None:
        from rich.console import Console  # rich loads only when progress is shown

        self._console: Console = Console(stderr=True)
        self._total = total
        self._labels = list(labels) if labels is not None else None
        self._lock = threading.Lock()
        self._running: dict[int, float] = {}
        self._estimate: tuple[float, float] | None = None  # seconds left, when estimated
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self.started: dict[int, float] = {}
        self.seconds: dict[int, float] = {}
        if self._console.is_terminal:
            self._progress, self._task = self._bar()

    @property
    def live(self) -> bool:
        """Whether the live area is drawn (stderr is a terminal)."""
        return self._progress is not None

    def _bar(self) -> tuple[Progress, TaskID]:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        bar = self

        class _Area(Progress):
            """The bar, then the jobs in flight, redrawn together."""

            def get_renderables(self) -> Iterable[RenderableType]:
                yield self.make_tasks_table(self.tasks)
                yield from bar._in_flight()

        progress = _Area(
            TextColumn("batch", markup=False),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[counts]}  {task.fields[left]}", markup=False),
            console=self._console,
            refresh_per_second=4,
            # Results go to the real stdout (a file, when redirected): finished() decides.
            redirect_stdout=False,
        )
        waiting = f"0 running, {self._total} queued"
        task = progress.add_task(
            "batch", total=self._total, counts=waiting, left=_left(None), completed=0
        )
        return progress, task

    def _label(self, index: int) -> str:
        if self._labels is not None and 0 <= index < len(self._labels):
            return self._labels[index]
        return f"job {index + 1}"

    def _in_flight(self) -> list[RenderableType]:
        """Draw the lines under the bar: each job in flight and how long it has run."""
        from rich.text import Text

        now = time.monotonic()
        with self._lock:
            running = sorted(self._running.items())
            estimate = self._estimate
        if self._progress is not None and self._task is not None and estimate is not None:
            left, when = estimate  # counts down between the reports of job ends
            self._progress.update(self._task, left=_left(left - (now - when)))
        shown = running[:MAX_SHOWN]
        lines: list[RenderableType] = [
            Text(
                f"  {self._label(index)}  {_clock(now - began)}", no_wrap=True, overflow="ellipsis"
            )
            for index, began in shown
        ]
        if len(running) > len(shown):
            lines.append(Text(f"  ... and {len(running) - len(shown)} more in flight"))
        return lines

    def __enter__(self) -> BatchBar:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()

    def __call__(self, progress: BatchProgress) -> None:
        """Show the batch's counts (run_many's ``on_progress``); time each job."""
        now = time.monotonic()
        ended = False
        with self._lock:
            if progress.job is not None:
                if progress.job in self.started:
                    self.seconds[progress.job] = now - self.started[progress.job]
                    self._running.pop(progress.job, None)
                    ended = True
                else:
                    self.started[progress.job] = now
                    self._running[progress.job] = now
            if progress.remaining is not None:
                self._estimate = (progress.remaining, now)
        if self._progress is not None and self._task is not None:
            self._progress.update(
                self._task,
                completed=progress.finished,
                counts=counts(progress),
                left=_left(progress.remaining),
            )
        elif ended:
            self.note(
                f"batch: {progress.finished}/{progress.total} ended ({counts(progress)}), "
                f"{_left(progress.remaining)}"
            )

    def finished(self, text: str, job: int | None = None) -> None:
        """Print a finished job's line: above the live area on a terminal, else on stdout.

        With stdout on the same terminal as the live area, the line goes through the live
        area's console, which clears the area, prints, and draws it again below; written
        to stdout directly it would land in the middle of the area.

        Args:
            text: the line.
            job: the job's index: it leaves the list of jobs in flight now, even if its
                end has not been reported yet.
        """
        if job is not None:
            with self._lock:
                self._running.pop(job, None)
        if self._progress is not None and _stdout_is_terminal():
            self._progress.console.print(text, markup=False, highlight=False, soft_wrap=True)
        else:
            _write_stdout(text)

    def note(self, text: str) -> None:
        """Print a line on stderr (above the live area on a terminal)."""
        self._console.print(text, markup=False, highlight=False, soft_wrap=True)


def _stdout_is_terminal() -> bool:
    stream: Any = sys.__stdout__
    try:
        return bool(stream is not None and stream.isatty())
    except (OSError, ValueError):
        return False


def _write_stdout(text: str) -> None:
    import typer

    typer.echo(text)
