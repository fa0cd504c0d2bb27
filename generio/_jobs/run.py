"""``run()`` as a job: create, wait, collect; and what an interruption leaves behind."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from generio._errors import APIStatusError, ClientClosedError, GenerioError, InputError
from generio._http.operations import get_flow_op, list_outputs_op, update_flow_op
from generio._jobs.batch import check_outputs
from generio._jobs.calls import CONFLICT_STATUSES
from generio._jobs.create import create_job
from generio._jobs.downloads import (
    PrepareDir,
    download_outputs_job,
    list_outputs_job,
    note_status,
)
from generio._jobs.effects import CleaningUp, Ended, Job, Sleep, local
from generio._jobs.flow_errors import name_flow, while_collecting, while_waiting
from generio._jobs.keys import BatchKeys, CreateProgress, adopt_job
from generio._jobs.options import OnInterrupt, check_on_interrupt, resolve
from generio._jobs.outputs import output_job
from generio._jobs.retries import call
from generio._jobs.state import ClientState
from generio._jobs.wait import check_progress_interval, check_timeout, wait_job
from generio._outcomes import FlowFailed
from generio._payload.inputs import as_sources
from generio._payload.marker import Marker
from generio._payload.models import (
    NOT_STARTED_STATE,
    TERMINAL_STATES,
    Asset,
    Flow,
    Output,
    ProgressCallback,
    RunResult,
    Template,
)
from generio._payload.names import slug_of_inputs

logger = logging.getLogger("generio")


class _Guarded:
    """The caller's ``on_progress``, remembering an exception it raised."""

    def __init__(self, callback: ProgressCallback) -> None:
        self.callback = callback
        self.raised: BaseException | None = None

    def __call__(self, flow: Flow) -> object:
        try:
            return self.callback(flow)
        except BaseException as exc:
            self.raised = exc
            raise


#: Pauses between looks for the flow of an interrupted POST: a service may list it only
#: once it has stored what it was sent (a large input), after the request was cut.
_LOOKS = (0.25, 0.5, 1.0, 2.0, 4.0)


def _posted_flow(
    state: ClientState, progress: CreateProgress, marker: Marker
) -> Job[tuple[Flow | None, bool]]:
    """Look for the flow an interrupted create may have made; whether the look finished.

    About 8 s once a POST began sending its body, one look if none did (nothing reached
    the service). Another interruption meanwhile (a second Ctrl-C) ends the look.
    """
    sent = progress.body is not None and progress.body.sent
    for pause in (0.0, *(_LOOKS if sent else ())):
        try:
            if pause:
                yield Sleep(pause)
            budget = state.budget()
            found = yield from adopt_job(
                state, marker, progress.template or "", progress.began, budget, ""
            )
        except GeneratorExit:
            raise
        except GenerioError as exc:  # a lookup that could not finish, or another request's flow
            logger.debug("could not look for the flow with key %s: %s", progress.key, exc)
            return None, True
        except BaseException:  # noqa: BLE001 - the first interruption goes on, with its note
            return None, False
        if found is not None:
            return found, True
    return None, True


def _state_after(state: ClientState, flow_id: str, error: GenerioError) -> Job[str | None]:
    """Read the flow's state after a refused abort (None: not a refusal, or unreadable)."""
    if not (isinstance(error, APIStatusError) and error.status_code in CONFLICT_STATUSES):
        return None
    try:
        flow: Flow = yield from call(get_flow_op(flow_id), state.budget())
    except GenerioError:
        return None
    return flow.state


def _clean_up(
    state: ClientState,
    flow: Flow | None,
    progress: CreateProgress,
    on_interrupt: str,
    error: BaseException,
    what: str = "run()",
) -> Job[None]:
    """Abort (or keep) the flow of an interrupted call; mark the exception with what happened."""
    yield CleaningUp()
    looked = True
    if flow is None and progress.posted and progress.marker is not None:
        flow, looked = yield from _posted_flow(state, progress, progress.marker)
    again = f"{what[:-2]}(..., idempotency_key={progress.key!r})"
    fate = None  # read by the batch's note and the CLI: "ended" or "abort failed"
    if flow is None:
        if progress.posted:
            found = "no flow with its key was found" if looked else "the look for it was cut"
            note = (
                f"generio: {what} was interrupted while creating the flow; {found}. If the "
                f"service still made it, flows.find(idempotency_key={progress.key!r}) finds it."
            )
        else:
            note = (
                f"generio: {what} was interrupted before any flow was created; no flow with "
                "its key was found."
            )
    elif flow.is_terminal:  # saving its outputs: nothing to abort (a batch says so apart)
        fate = "ended"
        note = (
            f"generio: {what} was interrupted after flow {flow.id} ended {flow.state}; "
            f"collect its outputs with flows.download_outputs({flow.id!r}, ...)."
        )
    elif flow.state == NOT_STARTED_STATE:
        note = (
            f"generio: {what} was interrupted; flow {flow.id} was created without inputs and "
            f"runs nothing until started: start it, or delete it with flows.delete({flow.id!r})."
        )
    elif resolve(on_interrupt, progress.explicit) == "keep":
        note = (
            f"generio: {what} was interrupted; flow {flow.id} was kept running "
            f"({'it has your idempotency_key' if progress.explicit else 'on_interrupt=keep'}). "
            f"Pick it up with flows.wait({flow.id!r}) or {again}."
        )
    else:
        failure: GenerioError | None = None
        try:
            yield from call(update_flow_op(flow.id, "abort"), state.budget())
            now: str | None = "aborted"
        except GenerioError as exc:
            # Refused: an earlier attempt (a repeated cancellation) may have aborted it, or
            # it ended meanwhile; its state tells.
            failure, now = exc, (yield from _state_after(state, flow.id, exc))
        if now in ("aborting", "aborted"):
            logger.debug("aborted flow %s after an interruption", flow.id)
            note = f"generio: {what} was interrupted; flow {flow.id} was aborted."
        elif now in TERMINAL_STATES:
            fate = "ended"
            note = (
                f"generio: {what} was interrupted; flow {flow.id} ended {now} before it could "
                f"be aborted: collect its outputs with flows.download_outputs({flow.id!r}, ...)."
            )
        else:
            logger.debug("could not abort flow %s after an interruption: %s", flow.id, failure)
            fate = "abort failed"
            note = (
                f"generio: {what} was interrupted; aborting flow {flow.id} failed ({failure}). "
                f"Abort it with flows.abort({flow.id!r}), or pick it up with {again}."
            )
    name_flow(error, flow.id if flow is not None else None, force=True)
    with contextlib.suppress(AttributeError, TypeError):
        error._generio_fate = fate  # type: ignore[attr-defined]
    error.add_note(note)


def _failed(state: ClientState, flow: Flow) -> Job[FlowFailed]:
    """Return a failed flow's error: its partial outputs, or a note saying why they are missing."""
    try:
        outputs: list[Asset] = yield from call(list_outputs_op(flow.id, False), state.budget())
    except GenerioError as exc:
        failed = FlowFailed(flow)
        failed.add_note(
            f"generio: its partial outputs could not be listed ({exc}); list them with "
            f"flows.outputs({flow.id!r})."
        )
        return failed
    return FlowFailed(flow, outputs)


def _collect(
    state: ClientState,
    flow: Flow,
    template: str | Template,
    stem: str,
    out_dir: str | os.PathLike[str] | None,
    out_name: str | None,
    fetch: bool,
) -> Job[RunResult]:
    """Collect a finished flow's outputs, in files or in memory; FlowFailed if it failed."""
    if flow.is_failed:
        raise (yield from _failed(state, flow))
    if not fetch:  # listed only; typed by the template when it declares one type
        known = template if isinstance(template, Template) else state.cached_template(flow.template)
        types = known.output_types if known is not None else ()
        declared = types[0] if len(types) == 1 else None
        listed = yield from list_outputs_job(state, flow.id)
        left = [attrs.evolve(o, mime_type=o.mime_type or declared) for o in listed]
        return RunResult(flow, tuple(Output.of(o, left=not o.is_failed) for o in left))
    if out_dir is not None:
        outputs, paths = yield from download_outputs_job(
            state, flow.id, Path(out_dir), stem, named=out_name, prepared=True
        )
        saved = iter(paths)  # one path per output that did not fail, in order
        collected = [Output.of(o, None if o.is_failed else next(saved)) for o in outputs]
        return RunResult(flow, tuple(collected), tuple(paths))
    # In memory: one listing with the content, single fetches where it lacked data.
    loaded = []
    for asset in (yield from list_outputs_job(state, flow.id, include_data=True)):
        note_status(asset)
        if asset.has_data or asset.is_failed:
            loaded.append(Output.of(asset))
        else:
            loaded.append(Output.of((yield from output_job(state, flow.id, asset.id))))
    return RunResult(flow, tuple(loaded))


def wait_checked_job(
    state: ClientState,
    flow_id: str,
    *,
    timeout: float | None,
    on_progress: ProgressCallback | None,
    raise_on_failure: bool,
    progress_interval: float | None = None,
) -> Job[Flow]:
    """``flows.wait``: wait; with ``raise_on_failure``, a failed flow raises as in run()."""
    flow = yield from wait_job(
        state, flow_id, timeout=timeout, on_progress=on_progress,
        progress_interval=progress_interval,
    )  # fmt: skip
    if raise_on_failure and flow.is_failed:
        raise (yield from _failed(state, flow))
    return flow


def run_job(
    state: ClientState,
    template: str | Template,
    inputs: object,
    *,
    parameters: Mapping[str, Any] | None,
    additional: Any,
    out_dir: str | os.PathLike[str] | None,
    timeout: float | None,
    on_progress: ProgressCallback | None,
    idempotency_key: str | None = None,
    on_interrupt: OnInterrupt = "auto",
    fetch_outputs: bool = True,
    out_name: str | None = None,
    progress_interval: float | None = None,
    batch: BatchKeys | None = None,
    key_is_random: bool = False,
    release: bool = False,
) -> Job[RunResult]:
    """Create, wait, collect: the whole of :meth:`Generio.run`."""
    sources = as_sources(inputs)
    if not sources:
        raise InputError("run() needs at least one input (a prompt, a file, bytes...).")
    check_on_interrupt(on_interrupt)
    # Checked before the flow is created: found after it, they would cost a billed flow.
    check_timeout(timeout)
    check_progress_interval(progress_interval)
    out_name = check_outputs(out_dir, out_name, fetch_outputs)
    if out_dir is not None:
        yield from local(PrepareDir(Path(out_dir)))
    # A batch's unkeyed job passes its random key (its steps derive theirs): never looked up.
    progress = CreateProgress.start(idempotency_key, known_new=key_is_random)
    key_given = progress.key if progress.explicit else None
    guarded = _Guarded(on_progress) if on_progress is not None else None
    flow: Flow | None = None
    try:
        flow = yield from create_job(
            state, template, sources, parameters, additional, progress, batch
        )
        logger.info("created flow %s (%s)", flow.id, flow.template)
        flow = yield from wait_job(
            state, flow.id, timeout=timeout, on_progress=guarded, first=flow,
            progress_interval=progress_interval,
        )  # fmt: skip
        if release:
            yield Ended()
        stem = slug_of_inputs([source.data for source in sources])
        collected = _collect(state, flow, template, stem, out_dir, out_name, fetch_outputs)
        return (yield from collected)
    except BaseException as exc:
        # A timeout or an API error leaves the flow as it is (the error says so, naming
        # it); an interruption (Ctrl-C, a cancellation, on_progress raising, the client
        # closing under the call) means nobody is left to collect the result.
        own = guarded is not None and exc is guarded.raised
        if isinstance(exc, Exception) and not own and not isinstance(exc, ClientClosedError):
            if isinstance(exc, FlowFailed) and flow is not None:
                name_flow(exc, flow.id)
            elif flow is not None:  # name the flow; advise without paying again
                (while_collecting if flow.is_terminal else while_waiting)(exc, flow.id, key_given)
            raise
        yield from _clean_up(state, flow, progress, on_interrupt, exc)
        raise


def create_flow_job(
    state: ClientState,
    template: str | Template,
    inputs: object,
    *,
    parameters: Mapping[str, Any] | None,
    additional: Any,
    idempotency_key: str | None,
    on_interrupt: OnInterrupt,
) -> Job[Flow]:
    """``flows.create``: create, and clean up like ``run()`` when interrupted meanwhile."""
    sources = as_sources(inputs)
    check_on_interrupt(on_interrupt)
    progress = CreateProgress.start(idempotency_key)
    try:
        job = create_job(state, template, sources, parameters, additional, progress)
        return (yield from job)
    except BaseException as exc:
        if isinstance(exc, Exception) and not isinstance(exc, ClientClosedError):
            raise
        yield from _clean_up(state, None, progress, on_interrupt, exc, "flows.create()")
        raise
