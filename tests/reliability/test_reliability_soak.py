"""Fault soak: many runs under ~20% faults of every kind, checked against a fault-free run.

Each job runs once on a fault-free emulator, whose own output bytes (read over plain httpx,
not through the client) are the reference; then again with faults on every request. Both
runs go two thirds through ``Generio.run`` and one third through ``AsyncGenerio.run_many``,
at the same time. Every run must produce outputs byte-identical to the emulator's (an
output without data is a failure, never an empty match), exactly one flow per job in the
emulator's ledger, no flow left unfinished, and no partial or stray file; the API key must
appear in no log record and no file.

Size: the default test run does :data:`DEFAULT_FLOWS` jobs; ``nox -s soak`` (``pytest -m
soak``) does ``$GENERIO_SOAK_FLOWS`` (default 300). ``$GENERIO_SOAK_SEED`` picks the faults.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import pytest

from generio import AsyncGenerio, FlowFailed, Generio, RunResult
from generio.testing import Emulator, FaultRecord, LedgerEntry
from tests.helpers.emulator import emulator_outputs
from tests.helpers.reliability import (
    CLIENT_TIMEOUT,
    COVERED_OPERATIONS,
    REQUEST_KINDS,
    SOAK_FLOW_SECONDS,
    SOAK_MAX_RETRIES,
    InputFiles,
    LogWatch,
    SoakJob,
    env_int,
    files_containing,
    in_thread,
    soak_faults,
    soak_jobs,
    tree,
    watch_logs,
)

DEFAULT_FLOWS = 24
FULL_FLOWS = env_int("GENERIO_SOAK_FLOWS", 300)
SEED = env_int("GENERIO_SOAK_SEED", 20240)
CONCURRENCY = 8
#: Faults whose request the emulator carries out before the answer goes wrong.
EXECUTED_KINDS = frozenset({"slow", "lost_response", "truncated_json"})


@dataclass
class Outcome:
    """What one job ended with."""

    job: SoakJob
    flow_id: str | None = None
    state: str | None = None
    outputs: list[bytes | None] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    error: BaseException | None = None


def _kwargs(job: SoakJob, files: InputFiles, tag: str, out_root: Path | None) -> dict[str, Any]:
    out_dir = None if out_root is None or job.in_memory else out_root / f"job-{job.index:04d}"
    return {
        "template": job.template,
        "inputs": job.inputs(files),
        "parameters": job.parameters,
        "additional": job.additional(tag),
        "out_dir": out_dir,
    }


def _outcome(job: SoakJob, result: RunResult | BaseException) -> Outcome:
    if isinstance(result, BaseException):
        flow = result.flow if isinstance(result, FlowFailed) else None
        return Outcome(job, flow.id if flow else None, flow.state if flow else None, error=result)
    if result.paths:
        outputs = [path.read_bytes() for path in result.paths]
    else:
        outputs = [asset.data for asset in result.outputs]  # None: the data never came
    return Outcome(job, result.flow.id, result.flow.state, outputs, list(result.paths))


def _run_sync(
    emu: Emulator, jobs: Sequence[SoakJob], files: InputFiles, tag: str, out_root: Path | None
) -> list[Outcome]:
    outcomes = []
    with Generio(
        emu.api_key, emu.base_url, timeout=CLIENT_TIMEOUT, max_retries=SOAK_MAX_RETRIES
    ) as client:
        for job in jobs:
            try:
                result: RunResult | BaseException = client.run(**_kwargs(job, files, tag, out_root))
            except Exception as exc:
                result = exc
            outcomes.append(_outcome(job, result))
    return outcomes


async def _run_many(
    emu: Emulator, jobs: Sequence[SoakJob], files: InputFiles, tag: str, out_root: Path | None
) -> list[RunResult | Exception]:
    async with AsyncGenerio(
        emu.api_key, emu.base_url, timeout=CLIENT_TIMEOUT, max_retries=SOAK_MAX_RETRIES
    ) as client:
        batch = [_kwargs(job, files, tag, out_root) for job in jobs]
        return await client.run_many(batch, concurrency=CONCURRENCY)


def run_jobs(
    emu: Emulator, jobs: Sequence[SoakJob], files: InputFiles, tag: str, out_root: Path | None
) -> dict[int, Outcome]:
    """Run the async share in a thread while the sync share runs here; outcomes by index."""
    async_jobs = [job for job in jobs if job.via_async]
    join = in_thread(lambda: anyio.run(_run_many, emu, async_jobs, files, tag, out_root))
    outcomes = _run_sync(emu, [job for job in jobs if not job.via_async], files, tag, out_root)
    results = join()
    outcomes += [_outcome(job, result) for job, result in zip(async_jobs, results, strict=True)]
    return {outcome.job.index: outcome for outcome in outcomes}


@dataclass
class Findings:
    """What the checks of one soak found; empty lists mean it held."""

    errors: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    left_behind: list[str] = field(default_factory=list)
    stray_files: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    uncovered: list[str] = field(default_factory=list)

    def problems(self) -> dict[str, list[str]]:
        """Return the non-empty lists by name."""
        return {name: items for name, items in vars(self).items() if items}


def check_outputs(index: int, outcome: Outcome, expected: list[bytes]) -> str | None:
    """Say what is wrong with a completed job's outputs against the emulator's, if anything."""
    if not outcome.outputs:
        return f"job {index} (flow {outcome.flow_id}): no outputs"
    if any(data is None for data in outcome.outputs):
        return f"job {index} (flow {outcome.flow_id}): an output came without data"
    if outcome.outputs != expected:
        return f"job {index} (flow {outcome.flow_id}): bytes differ from the emulator's"
    return None


def check_soak(
    reference: dict[int, list[bytes]],
    outcomes: dict[int, Outcome],
    ledger: list[LedgerEntry],
    fault_log: list[FaultRecord],
    out_root: Path,
    watch: LogWatch,
    key: str,
) -> Findings:
    """Compare the faulty run with the reference, the ledger and the disk."""
    found = Findings()
    failed_flows = {r.flow_id for r in fault_log if r.kind.value == "fail_flow"}
    expected_files: list[str] = []
    for index, outcome in sorted(outcomes.items()):
        error = outcome.error
        if isinstance(error, FlowFailed) and outcome.flow_id in failed_flows:
            if error.flow.state != "failed" or not any(a.error for a in error.outputs):
                found.errors.append(f"job {index}: FlowFailed without its partial outputs")
        elif error is not None:
            found.errors.append(f"job {index}: {type(error).__name__}: {error}")
        elif (mismatch := check_outputs(index, outcome, reference[index])) is not None:
            found.mismatches.append(mismatch)
        expected_files += [p.relative_to(out_root).as_posix() for p in outcome.paths]

    # Jobs share template, parameters and additional: a flow belongs to the job that
    # returned it, and no two jobs may return the same one.
    per_flow = Counter(o.flow_id for o in outcomes.values() if o.flow_id is not None)
    for flow_id, jobs in per_flow.items():
        if jobs != 1:
            found.duplicates.append(f"flow {flow_id} returned by {jobs} jobs")
    soak_flows = [
        entry
        for entry in ledger
        if isinstance(entry.additional, dict) and entry.additional.get("reliability") == "soak"
    ]
    if len(soak_flows) != len(outcomes):
        found.duplicates.append(f"{len(soak_flows)} flows for {len(outcomes)} jobs")
    returned = {o.flow_id for o in outcomes.values()}
    for entry in ledger:
        if entry.flow_id not in returned:
            found.left_behind.append(f"flow {entry.flow_id} ({entry.state}) adopted by no job")
        if entry.state not in ("completed", "failed"):
            found.left_behind.append(f"flow {entry.flow_id} is {entry.state}")

    on_disk = tree(out_root)
    found.stray_files = sorted(set(on_disk) - set(expected_files))
    found.stray_files += [f"missing {p}" for p in sorted(set(expected_files) - set(on_disk))]
    found.leaks = watch.leaks + [str(p) for p in files_containing(out_root, key)]

    injected = {(r.kind.value, r.operation) for r in fault_log}
    found.uncovered = [
        f"{kind} on {operation}"
        for operation in COVERED_OPERATIONS
        for kind in REQUEST_KINDS
        if (kind, operation) not in injected
    ]
    kinds = {kind for kind, _ in injected}
    found.uncovered += [kind for kind in ("unknown_state", "fail_flow") if kind not in kinds]
    return found


def report(
    size: int,
    outcomes: dict[int, Outcome],
    ledger: list[LedgerEntry],
    fault_log: list[FaultRecord],
    watch: LogWatch,
    seconds: tuple[float, float],
    found: Findings,
) -> str:
    """Render the soak's figures, for the terminal (``-rP``) and the README."""
    by_kind = Counter(r.kind.value for r in fault_log)
    by_operation = Counter(r.operation for r in fault_log if r.kind.value in REQUEST_KINDS)
    requests = sum(watch.attempts.values())
    request_faults = sum(n for kind, n in by_kind.items() if kind in REQUEST_KINDS)
    adopted = sum(
        1 for r in fault_log if r.operation == "create_flow" and r.kind.value in EXECUTED_KINDS
    )
    states = Counter(entry.state for entry in ledger)
    lines = [
        f"soak: {size} jobs ({sum(not o.job.via_async for o in outcomes.values())} Generio.run, "
        f"{sum(o.job.via_async for o in outcomes.values())} AsyncGenerio.run_many), "
        f"seed {SEED}, timeout {CLIENT_TIMEOUT} s, max_retries {SOAK_MAX_RETRIES}",
        f"flows in ledger: {len(ledger)} {dict(sorted(states.items()))}; "
        f"duplicates {len(found.duplicates)}; left behind {len(found.left_behind)}",
        f"byte-identical to the emulator's own outputs: "
        f"{sum(o.error is None for o in outcomes.values()) - len(found.mismatches)} "
        f"of {sum(o.error is None for o in outcomes.values())} completed jobs",
        f"requests sent: {requests}; request faults injected: {request_faults} "
        f"({request_faults / max(requests, 1):.1%}); transport retries: {watch.retries}",
        f"faults by kind: {dict(sorted(by_kind.items()))}",
        f"request faults by operation: {dict(sorted(by_operation.items()))}",
        f"creates whose answer was lost, late or cut (flow adopted): {adopted}",
        f"stray or partial files: {len(found.stray_files)}; key leaks: {len(found.leaks)}; "
        f"log records scanned: {watch.records}",
        f"time: reference {seconds[0]:.1f} s, soak {seconds[1]:.1f} s",
    ]
    return "\n".join(lines)


def _reference(emu: Emulator, fault_free: dict[int, Outcome]) -> dict[int, list[bytes]]:
    """Read each fault-free job's outputs from the emulator itself; the client must agree."""
    assert all(o.error is None for o in fault_free.values()), "the fault-free run failed"
    reference = {}
    for index, outcome in sorted(fault_free.items()):
        assert outcome.flow_id is not None
        reference[index] = emulator_outputs(emu, outcome.flow_id)
        assert check_outputs(index, outcome, reference[index]) is None, "fault-free run differs"
    return reference


def _soak(size: int, tmp_path: Path) -> None:
    jobs = soak_jobs(size)
    files = InputFiles.write(tmp_path / "inputs")
    out_root = tmp_path / "out"
    with Emulator(flow_seconds=SOAK_FLOW_SECONDS, seed=SEED) as emu:
        started = time.perf_counter()
        fault_free = run_jobs(emu, jobs, files, "reference", None)
        reference_seconds = time.perf_counter() - started
        reference = _reference(emu, fault_free)
        emu.reset()
        for fault in soak_faults():
            emu.add_fault(fault)
        started = time.perf_counter()
        with watch_logs(emu.api_key, isolate=True) as watch:
            outcomes = run_jobs(emu, jobs, files, "soak", out_root)
        soak_seconds = time.perf_counter() - started
        emu.clear_faults()
        ledger, fault_log = emu.ledger, emu.fault_log
    found = check_soak(reference, outcomes, ledger, fault_log, out_root, watch, emu.api_key)
    summary = report(
        size, outcomes, ledger, fault_log, watch, (reference_seconds, soak_seconds), found
    )
    print(summary)  # shown by `pytest -rP` (nox -s soak)
    problems = found.problems()
    assert not problems, "\n".join(f"{name}: {items[:20]}" for name, items in problems.items())


def test_emulator_outputs_are_deterministic(tmp_path: Path) -> None:
    """The same job gives the same bytes on another emulator, later, under other flow ids."""
    jobs = soak_jobs(6)  # one of each kind of input and template
    files = InputFiles.write(tmp_path / "inputs")
    runs = []
    for seed, seconds in ((1, 0.0), (2, 0.05)):
        with Emulator(flow_seconds=seconds, seed=seed) as emu:
            runs.append(run_jobs(emu, jobs, files, f"run-{seed}", None))
    first, second = runs
    for index, outcome in first.items():
        assert outcome.error is None
        assert outcome.outputs
        assert None not in outcome.outputs
        assert outcome.outputs == second[index].outputs
        assert outcome.flow_id != second[index].flow_id
        assert all(outcome.flow_id.encode() not in (data or b"") for data in outcome.outputs)


def test_soak_default_size(tmp_path: Path) -> None:
    """A small soak: every job survives 20% faults, byte-identical, one flow each, no leftovers."""
    _soak(DEFAULT_FLOWS, tmp_path)


@pytest.mark.soak
@pytest.mark.timeout(3600)
def test_soak_full_size(tmp_path: Path) -> None:
    """The full soak ($GENERIO_SOAK_FLOWS jobs, default 300): the same checks at scale."""
    _soak(FULL_FLOWS, tmp_path)
