"""Errors raised once a flow exists: they name it, and never advise paying for another.

A flow is billed when created: whatever fails after that must let the caller find it
again (``generio_flow_id``), never suggest buying a second one.
"""

from __future__ import annotations

import logging
from typing import TypeVar

from generio._errors import GenerioError, NotFoundError
from generio._jobs.effects import Job
from generio._jobs.retries import is_transient
from generio._outcomes import FlowFailed, FlowNotStarted, WaitTimeout

logger = logging.getLogger("generio")
T = TypeVar("T")
_ADVICE = " What to do: "
#: Words of both pieces of advice: an error that has them was advised already.
_PAID = "is paid for"


def name_flow(error: BaseException, flow_id: str | None, *, force: bool = False) -> None:
    """Set ``error.generio_flow_id`` unless it names a flow already (or ``force``)."""
    if not force and getattr(error, "generio_flow_id", None) is not None:
        return
    try:
        error.generio_flow_id = flow_id  # type: ignore[attr-defined]
    except (AttributeError, TypeError):  # pragma: no cover - a slotted exception type
        logger.debug("cannot set generio_flow_id on %r", error)


def outputs_advice(flow_id: str, key: str | None = None, *, completed: bool = True) -> str:
    """Say how to fetch a flow's outputs without paying for another flow."""
    again = (
        f", or run() again with idempotency_key={key!r}, which finds this flow"
        if key is not None
        else ""
    )
    where = (
        f"flow {flow_id} completed and {_PAID}; its outputs stay on the service"
        if completed
        else f"the outputs of flow {flow_id} stay on the service (a flow {_PAID} once made)"
    )
    return (
        f"{where}. Once it answers again, fetch them without creating a flow: "
        f"client.flows.download_outputs({flow_id!r}, DIR), client.flows.outputs({flow_id!r}) "
        f"or client.flows.stream_output({flow_id!r}, ASSET_ID){again}. Calling run() again "
        "without its idempotency_key would pay for a new flow"
    )


def _rewrite(error: GenerioError, message: str) -> None:
    error.message = message
    error.args = (message, *error.args[1:])


def while_collecting(
    error: BaseException, flow_id: str, key: str | None = None, *, completed: bool = True
) -> None:
    """Mark an error met while fetching the outputs of flow ``flow_id``."""
    name_flow(error, flow_id)
    if not isinstance(error, GenerioError) or isinstance(error, FlowFailed):
        return
    if _PAID in error.message:
        return
    transient = is_transient(error)
    if not transient and not completed:
        return  # a definite answer about a flow we know nothing of: its own advice stands
    head, _, own = error.message.partition(_ADVICE)
    own = f"{own.rstrip('. ')}; " if own and not transient else ""
    advice = outputs_advice(flow_id, key, completed=completed)
    _rewrite(error, f"{head.rstrip()}{_ADVICE}{own}{advice}.")


def while_waiting(error: BaseException, flow_id: str, key: str | None = None) -> None:
    """Mark an error met after flow ``flow_id`` was created, before it ended."""
    name_flow(error, flow_id)
    if not isinstance(error, GenerioError) or _PAID in error.message:
        return
    if isinstance(error, FlowFailed | FlowNotStarted | WaitTimeout | NotFoundError):
        return
    again = f" or run() again with idempotency_key={key!r}" if key is not None else ""
    _rewrite(
        error,
        f"{error.message.rstrip()} Flow {flow_id} was created and {_PAID}; it runs on: "
        f"pick it up with client.flows.wait({flow_id!r}){again}, not with a new run().",
    )


def about_flow(flow_id: str, job: Job[T]) -> Job[T]:
    """Run ``job``, a call about an existing flow; what it raises names the flow."""
    try:
        return (yield from job)
    except BaseException as exc:
        name_flow(exc, flow_id)
        raise
