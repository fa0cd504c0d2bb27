"""Reading a flow's outputs (``flows.outputs``, ``output``, ``download_output(s)``)."""

from __future__ import annotations

from typing import TypeVar

from generio._http.operations import get_output_op
from generio._jobs.calls import judged, patient_job
from generio._jobs.effects import Job
from generio._jobs.flow_errors import name_flow, while_collecting
from generio._jobs.state import ClientState
from generio._payload.models import Asset

T = TypeVar("T")


def output_job(state: ClientState, flow_id: str, asset_id: str) -> Job[Asset]:
    """One output with its content, riding out transient failures."""
    return (yield from patient_job(state, get_output_op(flow_id, asset_id)))


def reading_outputs(state: ClientState, flow_id: str, job: Job[T]) -> Job[T]:
    """Run ``job``, a read of ``flow_id``'s outputs: judged, and its errors naming the flow."""
    try:
        return (yield from judged(state, flow_id, "read outputs", job))
    except Exception as exc:
        while_collecting(exc, flow_id, completed=False)
        raise
    except BaseException as exc:
        name_flow(exc, flow_id)
        raise
