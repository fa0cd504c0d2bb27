"""``generio batch JOBS.jsonl -o DIR``: a file of jobs, one bar, a summary, safe to re-run.

The facade's ``Generio.iter_run_many`` does the work; this command reads the file
(``_batch_file.py``), shows one bar for the batch (``_batch_bar.py``), prints one line per
job as it ends, and writes the summary. Every job is keyed (its own ``idempotency_key`` or
one derived from its line), so running the same command again after a crash or Ctrl-C
adopts the flows the first run bought, at every step of a chain, instead of buying them
again. Ctrl-C leaves the flows in flight running by default (``--on-interrupt auto``, the
library's default, keeps keyed jobs' flows and every line is keyed): they are paid for
already, and the next run collects them. A journal beside the summary
(``summary.journal.jsonl`` for ``summary.csv``) records each line's flows as soon as they
are known, so a re-run reads the flows it names instead of the account's whole listing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from generio._cli._batch_bar import BatchBar
from generio._cli._batch_file import FileJob, Row, read_jobs, summary_format, write_summary
from generio._cli._common import (
    EXIT_FLOW,
    EXIT_INTERRUPTED,
    UsageProblem,
    failure,
    note,
    open_client,
)
from generio._cli._options import OutDirOption, WaitTimeoutOption
from generio._cli._values import whole

if TYPE_CHECKING:
    from generio import GenerioError, RunResult

__all__ = ["batch"]


def _row(item: FileJob, outcome: RunResult | GenerioError, seconds: float | None) -> Row:
    from generio import FlowFailed, RunResult, WaitTimeout

    job = item.job
    base = {"line": item.line, "key": job["idempotency_key"], "templates": _templates(job)}
    if isinstance(outcome, RunResult):
        return Row(
            **base,
            state=outcome.flow.state,
            flow_ids=tuple(f.id for f in outcome.steps),
            paths=tuple(str(p) for p in outcome.paths),
            seconds=seconds,
        )
    flows = [f.id for f in getattr(outcome, "generio_steps", ())]
    state = "error"
    last: str | None = getattr(outcome, "generio_flow_id", None)
    if isinstance(outcome, FlowFailed):
        state, last = outcome.flow.state, outcome.flow.id
    elif isinstance(outcome, WaitTimeout):
        state, last = "timed-out", outcome.flow_id
    if last is not None and last not in flows:
        flows.append(last)
    message = " ".join(failure(outcome)[1].split())
    return Row(**base, state=state, flow_ids=tuple(flows), seconds=seconds, error=message)


def batch(
    ctx: typer.Context,
    jobs_file: Annotated[
        Path,
        typer.Argument(
            metavar="JOBS.jsonl",
            help="One JSON job per line: template, inputs (a file when the path exists, "
            "relative to this file's folder or the current one; else a prompt), parameters, "
            "additional, idempotency_key, then (the next step or a list of steps), timeout.",
            show_default=False,
            dir_okay=False,
        ),
    ],
    out_dir: OutDirOption = Path("."),
    concurrency: Annotated[
        int,
        typer.Option(
            "--concurrency",
            "-c",
            metavar="N",
            help="Jobs whose flows run at once.",
            parser=whole(1),
        ),
    ] = 4,
    summary: Annotated[
        Path | None,
        typer.Option(
            "--summary",
            metavar="FILE",
            help="Where to write the summary, CSV or JSONL by the extension "
            "(default: DIR/summary.csv).",
            show_default=False,
        ),
    ] = None,
    on_interrupt: Annotated[
        str,
        typer.Option(
            "--on-interrupt",
            metavar="auto|keep|abort",
            help="What Ctrl-C does to the flows in flight: keep them running for the next "
            "run of this command to collect (they are paid for already), or abort them. "
            "auto (the default, as in the library) keeps keyed jobs' flows, and every line "
            "is keyed.",
        ),
    ] = "auto",
    wait_timeout: WaitTimeoutOption = None,
) -> None:
    """Run a file of jobs, a few at a time, with one progress bar and a summary.

    Each job's outputs go to DIR/line-NNNN (its line number). Run the same command again
    after a crash or Ctrl-C: jobs are keyed (their idempotency_key, or a hash of their line),
    so flows already bought are picked up, never bought twice; a journal beside the summary
    (SUMMARY.journal.jsonl) records them as they are made. Exit code 1 when a job failed,
    130 on Ctrl-C (the summary is written either way).
    """
    if on_interrupt not in ("auto", "keep", "abort"):
        raise UsageProblem(f"--on-interrupt {on_interrupt}: use auto, keep or abort")
    summary_path = summary if summary is not None else out_dir / "summary.csv"
    summary_format(summary_path)
    journal = summary_path.with_name(f"{summary_path.stem}.journal.jsonl")
    items = read_jobs(jobs_file, out_dir)
    jobs: list[Any] = [
        item.job if wait_timeout is None else {**item.job, "timeout": wait_timeout}
        for item in items
    ]
    _check(jobs, items, jobs_file)
    client = open_client(ctx)
    rows: dict[int, Row] = {}
    bar = BatchBar(len(items), [_label(item) for item in items])
    try:
        with bar:
            results = client.iter_run_many(
                jobs,
                concurrency=concurrency,
                on_progress=bar,
                on_interrupt=on_interrupt,  # type: ignore[arg-type]
                journal=journal,
            )
            for index, outcome in results:
                row = _row(items[index], outcome, bar.seconds.get(index))
                rows[index] = row
                shown = " ".join(row.paths) or row.error
                bar.finished(f"line {row.line} {row.state} {shown}", index)
    except KeyboardInterrupt as exc:
        _finish(summary_path, items, rows, "interrupted")
        ids = getattr(exc, "generio_flow_ids", [])
        fate = "aborted" if on_interrupt == "abort" else "left running"
        note(
            f"interrupted; {len(ids)} flow(s) in flight {fate}. Run the same command again "
            "to go on: finished steps are picked up, not bought again."
        )
        raise typer.Exit(EXIT_INTERRUPTED) from None
    _finish(summary_path, items, rows, "not-run")
    failed = sum(row.state != "completed" for row in rows.values())
    note(f"{len(rows) - failed} of {len(items)} job(s) completed; summary: {summary_path}")
    if failed:
        raise typer.Exit(EXIT_FLOW)


def _templates(job: dict[str, Any]) -> tuple[str, ...]:
    """List the templates of a job's steps, in order."""
    then = job.get("then")
    steps = [then] if isinstance(then, dict) else then if isinstance(then, list) else []
    return tuple(str(s.get("template")) for s in [job, *steps] if isinstance(s, dict))


def _label(item: FileJob) -> str:
    """Name a job in flight by its line and the templates of its steps."""
    return f"line {item.line}  {' > '.join(_templates(item.job))}"


def _check(jobs: list[Any], items: list[FileJob], path: Path) -> None:
    """Check every line as run_many will, naming lines, before any request.

    Raises:
        InputError: a line's job is unusable (exit code 2).
    """
    from generio._jobs.batch import plan_jobs
    from generio._payload.marker import new_key

    plan_jobs(jobs, "keep", new_key, lambda index: f"{path}, line {items[index].line}")


def _finish(path: Path, items: list[FileJob], rows: dict[int, Row], missing: str) -> None:
    """Write the summary: every job, those that did not end marked ``missing``."""
    write_summary(
        path,
        [
            rows.get(index)
            or Row(line=item.line, key=item.job["idempotency_key"], templates=(), state=missing)
            for index, item in enumerate(items)
        ],
    )
