"""A batch's jobs while they run: each job's chain of ``run()`` steps, its keys, its notes."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence

from generio._jobs.batch import Plan
from generio._jobs.effects import Job as EffectJob
from generio._jobs.effects import local
from generio._jobs.journal import Journal, LoadJournal
from generio._jobs.keys import BatchKeys
from generio._jobs.state import ClientState
from generio._payload.models import Flow, RunResult, Template


def interrupted_note(
    error: BaseException, stopped: list[BaseException], plans: Iterable[Plan]
) -> None:
    """Tell the batch's exception which flows were in flight (of ``plans``) and their fate."""
    modes = {plan.on_interrupt for plan in plans}
    mode = modes.pop() if len(modes) == 1 else "mixed"
    ids: list[str] = []
    ended: list[str] = []
    for e in stopped:
        if (flow_id := getattr(e, "generio_flow_id", None)) is not None:
            (ended if getattr(e, "_generio_fate", None) == "ended" else ids).append(flow_id)
    try:
        error.generio_flow_ids = ids + ended  # type: ignore[attr-defined]
    except (AttributeError, TypeError):  # pragma: no cover - a slotted exception type
        return
    fate = {
        "keep": "left running (on_interrupt)",
        "abort": "aborted",
    }.get(mode, "aborted, or left running for those with your idempotency_key (on_interrupt)")
    listed = ", ".join(ids) if ids else "none"
    saving = (
        f" Flows {', '.join(ended)} had ended, their outputs not all saved: collect them with "
        "flows.download_outputs(flow_id, out_dir)."
        if ended
        else ""
    )
    error.add_note(
        f"generio: the batch was interrupted; flows of the jobs in flight ({listed}) were "
        f"{fate}.{saving} Finished jobs keep their flows; keyed jobs pick theirs up when run "
        "again."
    )


def prepare_batch_job(
    state: ClientState, plans: Sequence[Plan], journal: str | os.PathLike[str] | None
) -> EffectJob[Journal | None]:
    """Before the jobs start: fill the template cache once, and read the journal."""
    from generio._jobs.calls import prefetch_templates_job  # loaded with the first batch

    if len(plans) > 1 or any(plan.explicit for plan in plans):
        yield from prefetch_templates_job(state, [step for plan in plans for step in plan.steps])
    if journal is None:
        return None
    return (yield from local(LoadJournal(journal)))


def _mark(error: BaseException, plan: Plan, number: int, flows: list[Flow]) -> None:
    """Say which step of a chain failed and every step's flow, the failing one's included."""
    failing = getattr(error, "generio_flow_id", None)
    ids = [f.id for f in flows] + ([failing] if isinstance(failing, str) else [])
    try:
        error.generio_step = number + 1  # type: ignore[attr-defined]
        error.generio_flow_ids = ids  # type: ignore[attr-defined]
        error.generio_steps = tuple(flows)  # type: ignore[attr-defined]
    except (AttributeError, TypeError):  # pragma: no cover - a slotted exception type
        return
    if len(plan.steps) > 1:
        done = ", ".join(f.id for f in flows) or "none"
        error.add_note(
            f"generio: job {plan.index} stopped at step {number + 1} of {len(plan.steps)} "
            f"(its flow: {failing or 'none'}); flows of the steps before: {done}."
        )


def batch_keys(
    state: ClientState, plans: Sequence[Plan], journal: Journal | None
) -> BatchKeys | None:
    """How the batch's keyed jobs look for their keys: one listing, read from now on."""
    if not any(plan.explicit for plan in plans):
        return None
    known = [
        t if isinstance(t, Template) else state.cached_template(t)
        for t in (step["template"] for plan in plans for step in plan.steps)
    ]
    names = None if None in known else frozenset(t.name for t in known if t is not None)
    return BatchKeys(time.monotonic(), names, journal)


def chain_job(
    state: ClientState, plan: Plan, batch: BatchKeys | None = None
) -> EffectJob[RunResult]:
    """Run a job's steps one after the other; the last step's outputs, every step's flow."""
    from generio._jobs.run import run_job  # loaded with the first batch, not with the client

    flows: list[Flow] = []
    inputs = plan.inputs
    result: RunResult | None = None
    for number, step in enumerate(plan.steps):
        last = number == len(plan.steps) - 1
        try:
            result = yield from run_job(
                state,
                step["template"],
                inputs,
                parameters=step.get("parameters"),
                additional=step.get("additional"),
                out_dir=plan.out_dir if last else None,
                timeout=step.get("timeout", plan.timeout),
                on_progress=plan.on_progress,
                idempotency_key=plan.key if number == 0 else f"{plan.key}/then/{number}",
                # An unkeyed job's keys are random, so new: no look before its creates.
                key_is_random=not plan.explicit,
                on_interrupt=plan.on_interrupt,
                fetch_outputs=plan.fetch_outputs if last else True,
                out_name=plan.out_name if last else None,
                progress_interval=plan.progress_interval,
                batch=batch if plan.explicit else None,
                release=last,
            )
        except BaseException as exc:
            _mark(exc, plan, number, flows)
            raise
        flows.append(result.flow)
        inputs = list(result.outputs)
    assert result is not None  # noqa: S101 - a plan has at least one step
    return RunResult(result.flow, result.outputs, result.paths, steps=tuple(flows))
