"""The progress of one flow on stderr: a live bar on a terminal, plain lines elsewhere.

Shared by ``run``, ``flows wait`` and ``demo``. It is the facade's ``on_progress``
callback: the client calls it on every change of state or progress it observes, so the
display moves exactly as often as the client polls, and the state shown is the service's.

On a terminal, rich draws a live bar; if the command ends in an error or Ctrl-C, the bar is
removed rather than left behind at its last frame. Elsewhere (a pipe, a CI log) there is no
bar: one plain line when the state changes and now and then while it runs (every quarter of
the way, at most every few seconds), and nothing at all before the flow exists, so no stale
"0% creating" line comes before an error.
"""

from __future__ import annotations

import time
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

    from generio import Flow

__all__ = ["FlowBar"]

#: Plain mode: a line at least every this many seconds of progress, and at each quarter.
_PLAIN_EVERY = 10.0
_PLAIN_STEP = 0.25


class FlowBar:
    """Progress for one flow: ``label  ━━━━━━━━━━━━  34%  running  0:00:01`` on a terminal.

    Use as a context manager and pass the object itself as ``on_progress``. Until the first
    call the bar reads ``creating``, which covers the upload of large inputs.

    Args:
        label: what the progress is for (a template name, a step of the demo).
    """

    def __init__(self, label: str) -> None:
        from rich.console import Console  # rich loads only when progress is shown

        self._label = label
        self._console: Console = Console(stderr=True)
        self._live = self._console.is_terminal
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._started = time.monotonic()
        self._last: tuple[str, float, float] | None = None  # state, progress, when printed
        self._updated = False
        if self._live:
            self._progress, self._task = self._bar(label)

    def _bar(self, label: str) -> tuple[Progress, TaskID]:
        from rich.progress import (
            BarColumn,
            Progress,
            SpinnerColumn,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        progress = Progress(
            SpinnerColumn(finished_text="✓"),
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[state]}", markup=False),
            TimeElapsedColumn(),
            console=self._console,
        )
        return progress, progress.add_task(label, total=1.0, state="creating")

    def __enter__(self) -> FlowBar:
        self._started = time.monotonic()
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._progress is None:
            return
        if exc_type is not None or not self._updated:
            # An error or Ctrl-C: its message replaces the bar, which would be stale.
            self._progress.live.transient = True
        self._progress.stop()

    def __call__(self, flow: Flow) -> None:
        """Show the flow's state and progress (the facade's ``on_progress``)."""
        self._updated = True
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, completed=flow.progress, state=flow.state)
            if flow.is_terminal:
                self._progress.stop_task(self._task)  # freezes the elapsed time
            return
        self._print_line(flow)

    def _print_line(self, flow: Flow) -> None:
        """Without a bar (not a terminal): a line on a new state, each 25 %, or every 10 s."""
        now = time.monotonic()
        last = self._last
        due = (
            last is None
            or flow.state != last[0]
            or flow.is_terminal
            or int(flow.progress / _PLAIN_STEP) > int(last[1] / _PLAIN_STEP)
            or now - last[2] >= _PLAIN_EVERY
        )
        if not due:
            return
        self._last = (flow.state, flow.progress, now)
        elapsed = now - self._started
        self.note(f"{self._label}: {flow.state} {flow.progress:.0%} ({elapsed:.1f} s)")

    def note(self, text: str) -> None:
        """Print a line on stderr (above the bar on a terminal), without disturbing it."""
        self._console.print(text, markup=False, highlight=False, soft_wrap=True)
