"""Batches, the part without I/O: typed jobs, their checking, chains as one job, the counts."""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Required, TypedDict, cast

import attrs

from generio._errors import GenerioError, InputError
from generio._jobs.options import OnInterrupt, check_on_interrupt, resolve
from generio._jobs.wait import check_progress_interval
from generio._payload.marker import MAX_KEY_LENGTH, check_key
from generio._payload.models import ProgressCallback, RunResult, Template
from generio._payload.names import check_out_name


class Step(TypedDict, total=False):
    """One step after a job's first: its inputs are the previous step's outputs.

    Example: ``{"template": "model_optimize", "parameters": {"polygon_count": 20000}}``.
    """

    template: Required[str | Template]
    parameters: Mapping[str, Any] | None
    additional: Any
    timeout: float | None


class Job(TypedDict, total=False):
    """One job of :meth:`~generio.Generio.run_many`: :meth:`~generio.Generio.run`'s arguments.

    ``then`` chains further steps (one :class:`Step` or a list); ``timeout`` bounds each
    step's wait; ``on_progress`` is called with each step's flow as it changes (under
    :class:`~generio.Generio`, from the worker thread that runs the job);
    ``on_interrupt`` overrides the batch's. ``out_name`` names the last step's files in
    ``out_dir`` (``<out_name>.<ext>``, then ``<out_name>-1.<ext>``...; two jobs may not
    share one); ``fetch_outputs=False`` leaves them on the service (the result lists them,
    to stream or save later); ``progress_interval`` makes ``on_progress`` see each step's
    progress at least that often (seconds). A misspelt key fails the type checker, and is an
    :class:`~generio.InputError` at run time before any request.
    """

    template: Required[str | Template]
    inputs: Required[object]
    parameters: Mapping[str, Any] | None
    additional: Any
    idempotency_key: str | None
    then: Step | Sequence[Step]
    out_dir: str | os.PathLike[str] | None
    out_name: str | None
    fetch_outputs: bool
    timeout: float | None
    on_progress: ProgressCallback | None
    progress_interval: float | None
    on_interrupt: OnInterrupt


JOB_KEYS: frozenset[str] = frozenset(Job.__annotations__)
STEP_KEYS: frozenset[str] = frozenset(Step.__annotations__)
#: Room kept after a job's key for the step suffix ``/then/<n>``.
_SUFFIX_ROOM = 16


def check_outputs(
    out_dir: str | os.PathLike[str] | None, out_name: object, fetch: object
) -> str | None:
    """Check where a run's outputs go, before anything is created; the checked ``out_name``."""
    if not isinstance(fetch, bool):
        raise InputError(f"fetch_outputs must be True or False, not {fetch!r}.")
    if not fetch and (out_dir is not None or out_name is not None):
        raise InputError(
            "fetch_outputs=False leaves the outputs on the service, so out_dir and out_name "
            "have nothing to write; drop them, or drop fetch_outputs=False."
        )
    if out_name is None:
        return None
    name = check_out_name(out_name)
    if out_dir is None:
        raise InputError("out_name names the files written to out_dir: give out_dir too.")
    return name


class JobError(GenerioError):
    """A job of a batch raised something that is not a :class:`GenerioError`.

    The original exception is ``__cause__`` (a bug in your ``on_progress``, an ``OSError``
    writing an output...). Other jobs go on.

    Attributes:
        index: the job's position in the batch.
    """

    def __init__(self, index: int, cause: BaseException) -> None:
        super().__init__(
            f"job {index} raised {type(cause).__name__}: {cause}. The other jobs went on; "
            "see __cause__ for the traceback."
        )
        self.index = index


#: What a batch gives for each job.
Outcome = RunResult | GenerioError


def as_outcome(index: int, error: Exception) -> GenerioError:
    """Return the job's result for an exception: a GenerioError as it is, anything else wrapped."""
    if isinstance(error, GenerioError):
        return error
    wrapped = JobError(index, error)
    wrapped.__cause__ = error
    for name in ("generio_flow_id", "generio_flow_ids", "generio_steps", "generio_step"):
        if hasattr(error, name):
            setattr(wrapped, name, getattr(error, name))
    return wrapped


@attrs.frozen
class Plan:
    """One checked job: its steps (copied; the first is the job), and what applies to all."""

    index: int
    key: str
    explicit: bool
    inputs: object
    steps: tuple[Step, ...]
    timeout: float | None
    out_dir: str | os.PathLike[str] | None
    on_progress: ProgressCallback | None
    on_interrupt: OnInterrupt
    out_name: str | None = None
    fetch_outputs: bool = True
    progress_interval: float | None = None


def _unknown(where: str, names: Iterable[object], known: frozenset[str]) -> None:
    for name in names:
        if name in known:
            continue
        close = difflib.get_close_matches(str(name), sorted(known), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise InputError(
            f"{where} has an unknown key {name!r}{hint}; it takes: {', '.join(sorted(known))}."
        )


def _steps(job: str, then: object) -> list[Mapping[str, Any]]:
    if then is None:
        return []
    steps = [then] if isinstance(then, Mapping) else then
    if isinstance(steps, str | bytes) or not isinstance(steps, Sequence):
        raise InputError(f"{job}: then must be a step (a dict) or a list of them.")
    for number, step in enumerate(steps, start=1):
        where = f"{job}, step {number + 1} (then)"
        if not isinstance(step, Mapping):
            raise InputError(f"{where} must be a dict like {{'template': ...}}, not {step!r}.")
        if "inputs" in step:
            raise InputError(
                f"{where} cannot take inputs: a step's inputs are the previous step's outputs."
            )
        _unknown(where, step, STEP_KEYS)
        if "template" not in step:
            raise InputError(f"{where} has no 'template'.")
    return list(steps)


def _plan(
    index: int, job: object, on_interrupt: OnInterrupt, new_key: Callable[[], str], name: str
) -> Plan:
    if not isinstance(job, Mapping):
        raise InputError(f"{name} must be a dict of run()'s arguments, not {job!r}.")
    _unknown(name, job, JOB_KEYS)
    for required in ("template", "inputs"):
        if required not in job:
            raise InputError(f"{name} has no {required!r}.")
    steps = [job, *_steps(name, job.get("then"))]
    explicit = job.get("idempotency_key") is not None
    key = check_key(job["idempotency_key"]) if explicit else new_key()
    if len(steps) > 1 and len(key) > MAX_KEY_LENGTH - _SUFFIX_ROOM:
        raise InputError(
            f"{name}: a chained job's idempotency_key may have at most "
            f"{MAX_KEY_LENGTH - _SUFFIX_ROOM} characters (its steps add '/then/<n>')."
        )
    mode = job.get("on_interrupt", on_interrupt)
    check_on_interrupt(mode, f"{name}: ")
    fetch = job.get("fetch_outputs", True)
    out_name = check_outputs(job.get("out_dir"), job.get("out_name"), fetch)
    check_progress_interval(job.get("progress_interval"))
    return Plan(
        index=index,
        key=key,
        explicit=explicit,
        inputs=job["inputs"],
        steps=tuple(cast(Step, dict(step)) for step in steps),
        timeout=job.get("timeout"),
        out_dir=job.get("out_dir"),
        on_progress=job.get("on_progress"),
        on_interrupt=resolve(mode, explicit),
        out_name=out_name,
        fetch_outputs=fetch,
        progress_interval=job.get("progress_interval"),
    )


def plan_jobs(
    jobs: Iterable[Job] | Iterable[Mapping[str, Any]],
    on_interrupt: OnInterrupt,
    new_key: Callable[[], str],
    name: Callable[[int], str] = "job {}".format,
) -> list[Plan]:
    """Check every job and give it its key, before anything is sent."""
    check_on_interrupt(on_interrupt)
    if isinstance(jobs, Mapping):
        raise InputError("run_many takes a list of jobs; wrap a single job in a list.")
    plans = [_plan(i, job, on_interrupt, new_key, name(i)) for i, job in enumerate(jobs)]
    _distinct_files(plans, name)
    return plans


def _distinct_files(plans: Sequence[Plan], name: Callable[[int], str]) -> None:
    """Refuse two jobs that would write the same named files (one would replace the other)."""
    owners: dict[tuple[str, str], int] = {}
    for plan in plans:
        if plan.out_name is None or plan.out_dir is None:
            continue
        where = (os.path.normcase(os.path.abspath(plan.out_dir)), plan.out_name.lower())
        first = owners.setdefault(where, plan.index)
        if first != plan.index:
            raise InputError(
                f"{name(plan.index)} and {name(first)} both name their files "
                f"{plan.out_name!r} in {str(plan.out_dir)!r}: one would replace the other's. "
                "Give each job its own out_name or out_dir."
            )
