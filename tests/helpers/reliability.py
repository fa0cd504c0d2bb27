"""Helpers of the reliability suite: soak jobs and faults, a log watcher, key scanning.

The soak's fault mix, in numbers. Every request meets one of nine request faults with
probability :data:`FAULT_SHARE` (0.2), each kind an equal share of it; every created flow
meets ``unknown_state`` with probability 0.2 and ``fail_flow`` with 0.05. The emulator rolls
its rules in order and the first that fires wins, so rule ``j`` (from 0) of ``k`` gets the
conditional rate ``q / (1 - j q)`` with ``q = share / k``: each kind then fires on exactly
``q`` of the requests.

Why ``max_retries`` = :data:`SOAK_MAX_RETRIES` (15) survives that. Each fault costs one
retry of the logical call it hits (a transport retry, a reconciliation round of a POST, a
repeated read of a cut answer, a restarted download), so a call fails only when more than
15 of its attempts fault. A plain call (one GET) needs one good attempt: it fails with
probability ``0.2**16`` = 6.6e-12. The worst call, a ``POST /flows`` whose answer is lost,
needs at most three good requests (the POST, the listing, an inputs listing), so it fails
with at most ``C(19, 3) * 0.2**16`` = 6.4e-9. A 300-job soak makes about 3,000 calls (3,600
requests), 300 of them creates: the chance that any call gives up is about
300 * 6.4e-9 + 2,700 * 6.6e-12, under 2e-6. (With the default ``max_retries=2`` a plain call
would fail with 0.2**3 = 0.8%: some 20 failed runs per soak.)

On top of the random mix, :func:`soak_faults` adds one sure injection of each request kind
on each operation in :data:`COVERED_OPERATIONS`, and of ``unknown_state`` and ``fail_flow``,
so that even the 24-job default run covers the whole grid. Those are nine per operation, so
a call meeting all nine of its operation's still keeps six retries for the random faults.
"""

from __future__ import annotations

import io
import logging
import os
import threading
import traceback
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generio import GenerioError, data_uri
from generio.testing import Fault, sample_glb, sample_jpeg, sample_png

PROMPT_TEMPLATE = "model_generate_fromprompt"
IMAGE_TEMPLATE = "model_generate_fromimage"
OPTIMIZE_TEMPLATE = "model_optimize"

#: Share of requests that meet a fault in the soak.
FAULT_SHARE = 0.2
#: Request faults of the soak: every kind the emulator has, ``Retry-After`` in both forms.
CLIENT_TIMEOUT = 1.0
#: ``slow`` holds an answer back longer than the client waits for it.
SLOW_DELAY = 1.5
SOAK_MAX_RETRIES = 15
#: Flow duration in the soak: short, yet polled several times (unknown_state shows).
SOAK_FLOW_SECONDS = 0.03
#: Operations every run() uses, on which every request fault kind is injected at least once.
COVERED_OPERATIONS = ("create_flow", "get_flow", "list_outputs", "get_output")
#: Request fault kinds, one rule each (rate_limit twice: seconds, then an HTTP date).
REQUEST_FAULTS: tuple[Fault, ...] = (
    Fault("rate_limit", retry_after=1),
    Fault("rate_limit", retry_after=1, http_date=True),
    Fault("server_error"),
    Fault("bad_gateway"),
    Fault("unavailable", retry_after=1, http_date=True),
    Fault("connection_reset"),
    Fault("slow", delay=SLOW_DELAY),
    Fault("lost_response"),
    Fault("truncated_json"),
)
REQUEST_KINDS = tuple(sorted({f.kind.value for f in REQUEST_FAULTS}))
#: Sure-shot rate per operation: high where a run makes few such requests.
_COVERAGE_RATE = {"create_flow": 0.3, "get_flow": 0.1, "list_outputs": 0.3, "get_output": 0.3}


def _with_rate(fault: Fault, operation: str, rate: float, count: int | None) -> Fault:
    return Fault(
        fault.kind,
        operation,
        rate,
        count,
        fault.retry_after,
        fault.http_date,
        fault.delay,
        fault.state,
    )


def equal_shares(faults: Sequence[Fault], share: float, operation: str = "*") -> list[Fault]:
    """Give each fault the conditional rate under which each fires on ``share / len`` of draws.

    The emulator rolls rules in order and stops at the first that fires, so rule ``j`` sees
    only the draws the ``j`` before it let through: ``1 - j q`` of them.
    """
    q = share / len(faults)
    return [_with_rate(fault, operation, q / (1 - j * q), None) for j, fault in enumerate(faults)]


def soak_faults() -> list[Fault]:
    """Return the soak's faults, in the order the emulator should roll them."""
    sure = [
        _with_rate(fault, operation, _COVERAGE_RATE[operation], 1)
        for operation in COVERED_OPERATIONS
        for fault in REQUEST_FAULTS
    ]
    flow_faults = [
        Fault("unknown_state", "create_flow", rate=0.5, count=1, state="queued"),
        Fault("fail_flow", "create_flow", rate=0.25, count=1),
        Fault("unknown_state", "create_flow", rate=0.2, state="queued"),
        Fault("fail_flow", "create_flow", rate=0.05 / (1 - 0.2)),
    ]
    return sure + equal_shares(REQUEST_FAULTS, FAULT_SHARE) + flow_faults


@dataclass(frozen=True)
class InputFiles:
    """Input files on disk that the soak's jobs pass as ``pathlib.Path``."""

    png: Path
    jpeg: Path
    glb: Path

    @classmethod
    def write(cls, directory: Path) -> InputFiles:
        """Write the files into ``directory`` (created)."""
        directory.mkdir(parents=True, exist_ok=True)
        files = cls(directory / "front.png", directory / "side.jpg", directory / "model.glb")
        files.png.write_bytes(sample_png())
        files.jpeg.write_bytes(sample_jpeg())
        files.glb.write_bytes(sample_glb(min_bytes=192 * 1024))
        return files


@dataclass(frozen=True)
class SoakJob:
    """One job of the soak: the same arguments for the reference and the faulty run.

    Attributes:
        index: its position; also marks its flow through ``additional``.
        template: the template's name.
        parameters: the template's parameters.
        via_async: run through ``AsyncGenerio.run_many`` rather than ``Generio.run``.
        in_memory: keep the outputs in memory instead of writing them to an out_dir.
    """

    index: int
    template: str
    parameters: dict[str, Any]
    via_async: bool
    in_memory: bool

    def inputs(self, files: InputFiles) -> list[object]:
        """Build the job's inputs afresh (a file object can be read by one run only)."""
        i = self.index
        kind = i % 6
        if kind == 0:
            return [f"a wooden chair number {i}"]
        if kind == 1:
            return [f"a lamp {i}", f"a table {i}"]
        if kind == 2:
            return [files.png, sample_jpeg()]
        if kind == 3:
            return [io.BytesIO(sample_png()), data_uri.encode(files.jpeg.read_bytes())]
        if kind == 4:
            return [files.glb]
        return [f"a tree {i}", files.png.name]  # a str that looks like a file is a prompt

    def additional(self, tag: str) -> dict[str, Any]:
        """Return the ``additional`` of the run: the same for every job of a run.

        Jobs of one template share template, parameters and ``additional`` and differ only
        in their inputs, so a create that adopted another job's flow (one made from other
        inputs) shows as outputs that differ from the reference.
        """
        return {"reliability": tag}


#: Parameters by template, shared by all jobs of a template.
SOAK_PARAMETERS: dict[str, dict[str, Any]] = {
    PROMPT_TEMPLATE: {"quality": "low", "seed": 7, "texture": True},
    IMAGE_TEMPLATE: {"quality": "high", "seed": 11, "texture": False},
    OPTIMIZE_TEMPLATE: {"polygon_count": 1000},
}


def soak_jobs(count: int) -> list[SoakJob]:
    """Build ``count`` jobs over all three templates; a third go through the async client."""
    jobs = []
    for i in range(count):
        kind = i % 6
        template = {2: IMAGE_TEMPLATE, 3: IMAGE_TEMPLATE, 4: OPTIMIZE_TEMPLATE}.get(
            kind, PROMPT_TEMPLATE
        )
        parameters = dict(SOAK_PARAMETERS[template])
        jobs.append(SoakJob(i, template, parameters, via_async=i % 3 == 2, in_memory=i % 5 == 4))
    return jobs


class LogWatch(logging.Handler):
    """A handler that scans every record for secrets and counts generio's request lines.

    Attributes:
        secrets: strings that must never appear.
        leaks: descriptions of the records that contained one.
        records: how many records were seen.
        attempts: generio's attempt lines, by outcome (status code or exception name).
        retries: generio's "retrying" lines.
    """

    def __init__(self, secrets: tuple[str, ...]) -> None:
        super().__init__(logging.DEBUG)
        self.secrets = secrets
        self.leaks: list[str] = []
        self.records = 0
        self.attempts: Counter[str] = Counter()
        self.retries = 0

    def emit(self, record: logging.LogRecord) -> None:
        """Scan the record's message, arguments and traceback; count request lines."""
        self.records += 1
        texts = [record.getMessage(), repr(record.args), str(record.msg)]
        if record.exc_info and record.exc_info[1] is not None:
            texts += traceback.format_exception(record.exc_info[1])
        if record.exc_text:
            texts.append(record.exc_text)
        for secret in self.secrets:
            if any(secret in text for text in texts):
                self.leaks.append(f"{record.name}: {record.getMessage()[:200]}")
        if record.name != "generio" or not isinstance(record.args, tuple):
            return
        if str(record.msg).startswith("retrying"):
            self.retries += 1
        elif "(attempt %d)" in str(record.msg):
            self.attempts[str(record.args[2])] += 1


#: The loggers the secrets check turns to DEBUG (with the root logger).
WATCHED_LOGGERS = ("generio", "httpx", "httpcore")


@contextmanager
def watch_logs(*secrets: str, isolate: bool = False) -> Iterator[LogWatch]:
    """Turn every logger that matters to DEBUG and watch what they emit for ``secrets``.

    Args:
        secrets: strings no record may contain.
        isolate: keep generio's, httpx's and httpcore's records from reaching the root
            logger's other handlers (pytest's capture would hoard tens of thousands).
    """
    watch = LogWatch(tuple(s for s in secrets if s))
    root = logging.getLogger()
    named = [logging.getLogger(name) for name in WATCHED_LOGGERS]
    loggers = [root, *named]
    saved = [(logger.level, logger.propagate) for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    hooked = [root, *named] if isolate else [root]
    for logger in hooked:
        logger.addHandler(watch)
    if isolate:
        for logger in named:
            logger.propagate = False
    try:
        yield watch
    finally:
        for logger in hooked:
            logger.removeHandler(watch)
        for logger, (level, propagate) in zip(loggers, saved, strict=True):
            logger.setLevel(level)
            logger.propagate = propagate


def exception_texts(error: BaseException) -> list[str]:
    """Return every text an exception shows: its chained traceback and, per link, str and repr.

    generio's own errors add their attributes (message, body, detail...).
    """
    texts = ["".join(traceback.format_exception(error))]
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        texts += [str(current), repr(current)]
        if isinstance(current, GenerioError):
            texts.append(repr(vars(current)))
        current = current.__cause__ or current.__context__
    return texts


#: Frames of the tests themselves are the caller's code: they hold keys on purpose.
TESTS_DIR = str(Path(__file__).resolve().parent.parent)


def locals_texts(error: BaseException) -> list[str]:
    """Return what tracebacks formatted with locals show of generio's and libraries' frames.

    Both stdlib's ``capture_locals`` and, when installed, rich's ``show_locals``, for the
    error and every exception it chains. The whole traceback is formatted once too, so a
    ``repr`` that raises (a half-built client's) fails the test.
    """
    "".join(traceback.TracebackException.from_exception(error, capture_locals=True).format())
    texts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = [
            (frame, line)
            for frame, line in traceback.walk_tb(current.__traceback__)
            if not frame.f_code.co_filename.startswith(TESTS_DIR)
        ]
        texts += traceback.StackSummary.extract(iter(frames), capture_locals=True).format()
        current = current.__cause__ or current.__context__
    try:
        from rich.traceback import Traceback
    except ImportError:  # pragma: no cover - rich comes with the cli extra
        return texts
    trace = Traceback.extract(type(error), error, error.__traceback__, show_locals=True)
    for stack in trace.stacks:
        for frame in stack.frames:
            if frame.filename.startswith(TESTS_DIR):
                continue
            texts += [f"{name}={node.render()}" for name, node in (frame.locals or {}).items()]
    return texts


def files_containing(root: Path, secret: str) -> list[Path]:
    """Return the files under ``root`` whose bytes contain ``secret``."""
    needle = secret.encode()
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def tree(root: Path) -> list[str]:
    """Return every file under ``root``, relative and sorted (hidden temporaries included)."""
    if not root.exists():
        return []
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def in_thread(function: Callable[[], Any]) -> Callable[[], Any]:
    """Start ``function`` in a thread now; the returned callable joins it and gives its result.

    Raises:
        BaseException: whatever ``function`` raised, when joined.
    """
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = function()
        except BaseException as exc:  # handed to the joiner
            box["error"] = exc

    thread = threading.Thread(target=target, name="soak-async", daemon=True)
    thread.start()

    def join() -> Any:
        thread.join()
        if "error" in box:
            raise box["error"]
        return box["value"]

    return join


def env_int(name: str, default: int) -> int:
    """Read a positive integer setting from the environment."""
    value = os.environ.get(name, "").strip()
    return int(value) if value else default
