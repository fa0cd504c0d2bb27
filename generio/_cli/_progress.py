"""The live progress bar of one flow, drawn by rich on stderr.

Shared by ``run``, ``flows wait`` and ``demo``. It is the facade's ``on_progress``
callback: the client calls it on every change of state or progress it observes, so the bar
moves exactly as often as the client polls, and the state next to it is the service's.
On a terminal the bar is live; elsewhere (a pipe, a CI log) rich prints its last frame once
when the flow ends, so logs get one line instead of a redraw per change.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from generio import Flow

__all__ = ["FlowBar"]


class FlowBar:
    """A bar for one flow: ``label  ━━━━━━━━━━━━  34%  running  0:00:01``.

    Use as a context manager and pass the bar itself as ``on_progress``. Until the first
    call it reads ``creating``, which covers the upload of large inputs.

    Args:
        label: what the bar is for (a template name, a step of the demo).
    """

    def __init__(self, label: str) -> None:
        from rich.console import Console  # rich loads only when a bar is shown
        from rich.progress import (
            BarColumn,
            Progress,
            SpinnerColumn,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self._progress: Progress = Progress(
            SpinnerColumn(finished_text="✓"),
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[state]}", markup=False),
            TimeElapsedColumn(),
            console=Console(stderr=True),
        )
        self._task: TaskID = self._progress.add_task(label, total=1.0, state="creating")

    def __enter__(self) -> FlowBar:
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def __call__(self, flow: Flow) -> None:
        """Show the flow's state and progress (the facade's ``on_progress``)."""
        self._progress.update(self._task, completed=flow.progress, state=flow.state)
        if flow.is_terminal:
            self._progress.stop_task(self._task)  # freezes the elapsed time

    def note(self, text: str) -> None:
        """Print a line above the bar (stderr), without disturbing it."""
        self._progress.console.print(text, markup=False, highlight=False, soft_wrap=True)
