"""Rows at account scale: a 1,000-flow batch, and keyed work on a 20,000-flow account.

Each batch runs in a fresh process (``_scale_worker.py``) against the emulator in another
(``Emulator(process=True)``), so the client's time, CPU and peak memory are its own.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _report import Row, ratio_row

from generio import IDEMPOTENCY_FIELD
from generio.testing import Emulator

WORKER = Path(__file__).with_name("_scale_worker.py")
#: The account of the keyed rows: 20,000 flows over the last 30 days, 100 of them keyed.
ACCOUNT = 20_000
TEMPLATES = ("model_generate_fromprompt", "model_generate_fromimage", "model_optimize")
LOOKUP_GOAL = 0.05  # lookup requests per job, beyond one listing per batch
MEMORY_MB = 64.0


def _worker(mode: str, emu: Emulator, args: dict[str, Any]) -> subprocess.Popen[str]:
    command = [sys.executable, str(WORKER), mode, emu.base_url, emu.api_key, json.dumps(args)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _run(mode: str, emu: Emulator, args: dict[str, Any]) -> dict[str, Any]:
    out, err = _worker(mode, emu, args).communicate(timeout=1200)
    lines = out.strip().splitlines()
    if not lines:
        raise RuntimeError(f"the {mode} worker printed nothing: {err[-2000:]}")
    report: dict[str, Any] = json.loads(lines[-1])
    return report


def _batch_row(name: str, client: str, flows: int, concurrency: int, seconds: float) -> list[Row]:
    with tempfile.TemporaryDirectory() as out, Emulator(process=True, flow_seconds=seconds) as emu:
        args = {"flows": flows, "concurrency": concurrency, "out": out, "client": client}
        report = _run("batch", emu, args)
        requests = emu.request_counts
    ideal = flows / concurrency * seconds
    details = {
        "client": client,
        "cpu_ms_per_flow": round(report["cpu"] / flows * 1e3, 2),
        "requests_per_flow": round(sum(requests.values()) / flows, 2),
        # One poll per flow once a flow of the template has completed (_jobs/polling.py).
        "polls_per_flow": round(requests.get("get_flow", 0) / flows, 2),
        "list_pages": requests.get("list_flows", 0),
        "failures": report["failures"],
    }
    row = ratio_row(
        name,
        f"{flows:,} × {seconds:g} s flows, out_dir, concurrency {concurrency}, "
        f"{'AsyncGenerio' if client == 'async' else 'Generio'}.run_many",
        report["elapsed"],
        ideal,
        "s",
        1.3,
        **details,
    )
    memory = Row(
        f"{name} memory",
        "peak RSS above idle, same batch (fresh process)",
        report["peak_above_idle_mb"],
        MEMORY_MB,
        "MB",
        report["peak_above_idle_mb"] / MEMORY_MB,
        f"≤ {MEMORY_MB:g} MB",
        report["peak_above_idle_mb"] <= MEMORY_MB,
    )
    row.met = row.met and not report["failures"]
    return [row, memory]


def scale(flows: int = 1000, concurrency: int = 200, seconds: float = 2.0) -> list[Row]:
    """1,000 flows of 2 s at concurrency 200 with out_dir, on each client."""
    return [
        *_batch_row("batch 1,000", "async", flows, concurrency, seconds),
        *_batch_row("batch 1,000 sync", "sync", flows, concurrency, seconds),
    ]


def _account(emu: Emulator) -> None:
    emu.prefill(ACCOUNT, keyed=100, templates=TEMPLATES)


def _lookups(report: dict[str, Any], jobs: int, listings: int) -> tuple[float, dict[str, Any]]:
    """Lookup requests per job beyond ``listings`` whole listings (of ~ACCOUNT/100 pages)."""
    pages, reads = report["list_pages"], report["flows_read"]
    extra = max(0, pages - listings * (ACCOUNT // 100 + 1)) + reads
    return extra / jobs, {"list_pages": pages, "one_by_one_reads": reads}


def _keyed_row(additional: bool, flows: int, concurrency: int, seconds: float) -> list[Row]:
    with (
        tempfile.TemporaryDirectory() as out,
        Emulator(process=True, flow_seconds=seconds, list_additional=additional) as emu,
    ):
        _account(emu)
        args = {"flows": flows, "concurrency": concurrency, "out": out, "keys": "sku"}
        report = _run("batch", emu, args)
    per_job, counts = _lookups(report, flows, 1)
    shape = "with" if additional else "without"
    ideal = flows / concurrency * seconds
    details = {**counts, "failures": report["failures"], "seconds": round(report["elapsed"], 2)}
    lookups = Row(
        f"keyed batch, {shape} additional",
        f"{flows:,} keyed jobs on {ACCOUNT:,} flows: lookup requests per job beyond one listing",
        per_job,
        LOOKUP_GOAL,
        "req/job",
        per_job / LOOKUP_GOAL,
        f"≤ {LOOKUP_GOAL:g}",
        per_job <= LOOKUP_GOAL and not report["failures"],
        details,
    )
    timing = ratio_row(
        f"keyed batch time, {shape} additional",
        f"the same batch ({seconds:g} s flows, concurrency {concurrency}) vs the ideal",
        report["elapsed"],
        ideal,
        "s",
        1.5,
    )
    return [lookups, timing]


def _resume(flows: int, concurrency: int, seconds: float) -> list[Row]:
    """The keyed batch with a journal, SIGKILLed halfway, then run again."""
    with (
        tempfile.TemporaryDirectory() as out,
        Emulator(process=True, flow_seconds=seconds) as emu,
    ):
        _account(emu)
        journal = str(Path(out) / "batch.journal.jsonl")
        args = {
            "flows": flows,
            "concurrency": concurrency,
            "out": out,
            "keys": "job",
            "journal": journal,
        }
        first = _worker("batch", emu, args)
        deadline = time.monotonic() + 600
        while len(emu.ledger) < flows // 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        first.send_signal(signal.SIGKILL)
        first.communicate()
        killed_at = len(emu.ledger)
        report = _run("batch", emu, args)
        entries = emu.ledger
    keys = [e.additional[IDEMPOTENCY_FIELD]["key"] for e in entries]
    duplicates = len(keys) - len(set(keys))
    per_job, counts = _lookups(report, flows, 0)
    return [
        Row(
            "killed batch resumed",
            f"{flows:,} keyed jobs with a journal, SIGKILL at {killed_at} flows, run again: "
            "duplicate flows",
            duplicates,
            0,
            "flows",
            0.0,
            "0",
            duplicates == 0 and len(set(keys)) == flows and not report["failures"],
            {"created_by_rerun": len(keys) - killed_at},
        ),
        Row(
            "killed batch re-run lookups",
            "lookup requests per job of the re-run (list pages and reads of other flows)",
            per_job,
            LOOKUP_GOAL,
            "req/job",
            per_job / LOOKUP_GOAL,
            "reported",
            True,
            counts,
        ),
    ]


def _sequential(calls: int) -> list[Row]:
    """Keyed run() calls one after the other against the same calls without keys."""
    reports = {}
    for keyed in (True, False):
        with Emulator(process=True, flow_seconds=0.1) as emu:
            _account(emu)
            args = {"calls": calls, "keys": "lamp" if keyed else None}
            reports[keyed] = _run("sequential", emu, args)
    keyed_calls = reports[True]["per_call"]
    later = keyed_calls[1:]
    ours = sum(later) / len(later)
    base = sum(reports[False]["per_call"]) / calls
    # A keyed call adds its look: a page or two of the listing's newest flows.
    return [
        Row(
            "keyed run() calls",
            f"{calls} keyed run() in a row on {ACCOUNT:,} flows: requests per call after the "
            "first, vs the same calls without keys",
            ours,
            base,
            "req/call",
            ours / base,
            "≤ +2 req/call",
            ours <= base + 2,
            {
                "first_call": keyed_calls[0],
                "second_to_11th": sum(keyed_calls[1:11]) / 10,
                "last_10": sum(keyed_calls[-10:]) / 10,
            },
        )
    ]


def keys(flows: int = 1000, concurrency: int = 200, seconds: float = 2.0) -> list[Row]:
    """Keyed work on a 20,000-flow account: a batch (with and without additional), a resume
    after SIGKILL, and 100 keyed run() calls in a row."""
    return [
        *_keyed_row(True, flows, concurrency, seconds),
        *_keyed_row(False, flows, concurrency, seconds),
        *_resume(flows, concurrency, seconds),
        *_sequential(100),
    ]
