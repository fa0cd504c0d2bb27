"""``generio batch``'s files: the JSONL of jobs in, the summary (CSV or JSONL) out.

Pure functions, tested without a server.

* Each non-blank line of the jobs file is one JSON :class:`~generio.Job` (without
  ``out_dir``, ``on_progress`` or ``on_interrupt``, which the command sets).
* A string in ``inputs`` (alone, in the list, or as a mapping's ``"data"``) that names an
  existing path, relative to the jobs file's folder first, then to the current directory,
  is a file; any other string is a prompt, as with ``generio run``.
* A job without ``idempotency_key`` is keyed ``batch/<sha256 of the line's JSON>`` (keys
  sorted, no spaces): the same line run again is the same request, so a re-run after a
  crash adopts its flows instead of buying them again. Change the line (or give it a key
  of your own) to make it a new job.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from generio._cli._common import UsageProblem

__all__ = ["CLI_KEYS", "FileJob", "Row", "derived_key", "read_jobs", "write_summary"]

#: What a line may hold: a Job without what the command sets itself.
CLI_KEYS = frozenset(
    {"template", "inputs", "parameters", "additional", "idempotency_key", "then", "timeout"}
)
SUMMARY_FIELDS = ("line", "key", "templates", "state", "flow_ids", "paths", "seconds", "error")


@attrs.frozen
class FileJob:
    """One line of the jobs file.

    Attributes:
        line: its line number (1-based).
        job: the job as run_many takes it (inputs resolved, key set, out_dir set).
    """

    line: int
    job: dict[str, Any]


@attrs.frozen
class Row:
    """One job's line of the summary."""

    line: int
    key: str
    templates: tuple[str, ...]
    state: str
    flow_ids: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    seconds: float | None = None
    error: str = ""


def derived_key(document: Mapping[str, Any]) -> str:
    """Return the key of a line without one: ``batch/`` and the sha256 of its JSON."""
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "batch/" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def _as_file(word: str, folder: Path) -> str | Path:
    if not word.strip() or word.startswith("data:"):
        return word
    for base in (folder, Path.cwd()):
        try:
            candidate = base / word
            if candidate.exists():
                return candidate
        except (OSError, ValueError):
            return word  # a long prompt is a file name too long for the system
    return word


def _resolve(inputs: Any, folder: Path) -> Any:
    if isinstance(inputs, str):
        return _as_file(inputs, folder)
    if isinstance(inputs, Mapping):
        data = inputs.get("data")
        return {**inputs, "data": _as_file(data, folder)} if isinstance(data, str) else inputs
    if isinstance(inputs, list):
        return [_resolve(item, folder) for item in inputs]
    return inputs


def _templates(document: Mapping[str, Any]) -> tuple[str, ...]:
    then = document.get("then")
    steps = [then] if isinstance(then, Mapping) else then if isinstance(then, list) else []
    return tuple(str(s.get("template")) for s in [document, *steps] if isinstance(s, Mapping))


def read_jobs(path: Path, out_dir: Path) -> list[FileJob]:
    """Read the jobs file: one JSON job per non-blank line.

    Raises:
        UsageProblem: the file cannot be read, a line is not a JSON object, or it holds a
            key a line may not (the message names the line).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageProblem(f"cannot read {path}: {exc}") from None
    jobs: list[FileJob] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            document = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise UsageProblem(f"{path}, line {number}: not JSON ({exc.msg})") from None
        if not isinstance(document, dict):
            raise UsageProblem(f"{path}, line {number}: a job must be a JSON object")
        refused = sorted(set(document) & {"out_dir", "on_progress", "on_interrupt"})
        if refused:
            raise UsageProblem(
                f"{path}, line {number}: {refused[0]!r} is set by the command "
                "(-o DIR, --on-interrupt), not by a line"
            )
        job = dict(document)
        job["inputs"] = _resolve(document.get("inputs"), path.parent)
        job.setdefault("idempotency_key", None)
        if job["idempotency_key"] is None:
            job["idempotency_key"] = derived_key(document)
        job["out_dir"] = out_dir / f"line-{number:04d}"
        if "inputs" not in document:
            del job["inputs"]
        jobs.append(FileJob(number, job))
    if not jobs:
        raise UsageProblem(f"{path} holds no jobs (one JSON object per line)")
    return jobs


def summary_format(path: Path) -> str:
    """Return ``"csv"`` or ``"jsonl"``, by the summary file's extension.

    Raises:
        UsageProblem: another extension.
    """
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".json"):
        return "jsonl"
    raise UsageProblem(f"--summary {path}: use a .csv or .jsonl file name")


def _record(row: Row) -> dict[str, Any]:
    record = attrs.asdict(row)
    record["seconds"] = None if row.seconds is None else round(row.seconds, 3)
    return record


def _render(rows: Sequence[Row], kind: str) -> str:
    if kind == "jsonl":
        return "".join(json.dumps(_record(row), ensure_ascii=False) + "\n" for row in rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(SUMMARY_FIELDS)
    for row in rows:
        seconds = "" if row.seconds is None else f"{row.seconds:.1f}"
        writer.writerow(
            [
                row.line,
                row.key,
                " > ".join(row.templates),
                row.state,
                " ".join(row.flow_ids),
                " ".join(row.paths),
                seconds,
                row.error,
            ]
        )
    return buffer.getvalue()


def write_summary(path: Path, rows: Sequence[Row]) -> None:
    """Write the summary whole, replacing any earlier one only once it is complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.part")
    temporary.write_text(_render(rows, summary_format(path)), encoding="utf-8")
    os.replace(temporary, path)
