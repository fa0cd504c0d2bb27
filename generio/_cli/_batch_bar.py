"""The progress of a whole batch on stderr: one live bar on a terminal, plain lines elsewhere.

It is the batch's ``on_progress`` (a :class:`~generio.BatchProgress` on every start and end
of a job). On a terminal: ``batch  ━━━━━━━━  3/10  2 running, 1 failed  ~0:00:40 left``.
Elsewhere, one line each time a job ends.
"""

from __future__ import annotations

import time
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

    from generio import BatchProgress

__all__ = ["BatchBar"]


def _left(seconds: float | None) -> str:
    if seconds is None:
        return "time left unknown"
    whole = round(seconds)
    return f"~{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d} left"


def counts(progress: BatchProgress) -> str:
    """Say the counts in a few words: ``2 running, 3 queued, 1 failed``."""
    parts = [f"{progress.running} running", f"{progress.queued} queued"]
    if progress.failed:
        parts.append(f"{progress.failed} failed")
    return ", ".join(parts)


class BatchBar:
    """One bar for the batch; use as a context manager and pass it as ``on_progress``.

    Attributes:
        started: when each job began (``time.monotonic()``), by index.
        seconds: how long each job that ended took, by index.
    """

    def __init__(self, total: int) -> None:
        from rich.console import Console  # rich loads only when progress is shown

        self._console: Console = Console(stderr=True)
        self._total = total
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self.started: dict[int, float] = {}
        self.seconds: dict[int, float] = {}
        if self._console.is_terminal:
            self._progress, self._task = self._bar()

    def _bar(self) -> tuple[Progress, TaskID]:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        progress = Progress(
            TextColumn("batch", markup=False),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[counts]}  {task.fields[left]}", markup=False),
            console=self._console,
        )
        task = progress.add_task(
            "batch", total=self._total, counts="", left=_left(None), completed=0
        )
        return progress, task

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
        if progress.job is not None:
            if progress.job in self.started:
                self.seconds[progress.job] = now - self.started[progress.job]
                ended = True
            else:
                self.started[progress.job] = now
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

    def note(self, text: str) -> None:
        """Print a line on stderr (above the bar on a terminal)."""
        self._console.print(text, markup=False, highlight=False, soft_wrap=True)
