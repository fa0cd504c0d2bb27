"""The jobs behind ``client.flows``'s methods, built once for both clients.

``Flows`` and ``AsyncFlows`` each define their public methods (so checkers and the reference
name them) and hand these jobs to their driver. The job modules load on first use, so
importing the client stays light.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from generio._errors import InputError
from generio._payload.files import is_directory

if TYPE_CHECKING:
    from generio._http.operations import Operation
    from generio._jobs.effects import Job, Saved
    from generio._jobs.state import ClientState
    from generio._payload.models import Asset

T = TypeVar("T")


def about(flow_id: str, job: Job[T]) -> Job[T]:
    """Wrap the job of a call about an existing flow: what it raises names the flow."""
    from generio._jobs.flow_errors import about_flow

    return about_flow(flow_id, job)


def ask(state: ClientState, flow_id: str, op: Operation[T]) -> Job[T]:
    """One request about an existing flow, as a whole call; what it raises names the flow."""
    from generio._jobs.calls import request_job

    return about(flow_id, request_job(state, op))


def outputs_job(state: ClientState, flow_id: str, include_data: bool) -> Job[list[Asset]]:
    """``flows.outputs``: a finished flow's outputs."""
    from generio._jobs.downloads import list_outputs_job
    from generio._jobs.outputs import reading_outputs

    return reading_outputs(state, flow_id, list_outputs_job(state, flow_id, include_data))


def one_output_job(state: ClientState, flow_id: str, asset_id: str) -> Job[Asset]:
    """``flows.output``: one output with its content."""
    from generio._jobs.outputs import output_job, reading_outputs

    return reading_outputs(state, flow_id, output_job(state, flow_id, asset_id))


def saved_outputs_job(
    state: ClientState, flow_id: str, out_dir: str | os.PathLike[str]
) -> Job[list[Path]]:
    """``flows.download_outputs``: every ready output into ``out_dir``; their paths."""
    from generio._jobs.downloads import download_outputs_job
    from generio._jobs.outputs import reading_outputs

    job = download_outputs_job(state, flow_id, Path(out_dir))
    return (yield from reading_outputs(state, flow_id, job))[1]


def saved_output_job(
    state: ClientState, flow_id: str, asset_id: str, dest: str | os.PathLike[str]
) -> Job[Saved]:
    """``flows.download_output``: one output into ``dest`` (an InputError at the call if bad)."""
    from generio._jobs.downloads import download_output_job

    target = Path(dest)
    if is_directory(target):
        return download_output_job(state, flow_id, asset_id, target, None)
    if not target.name or target.name in {".", ".."}:
        raise InputError(f"dest {str(dest)!r} is neither a file name nor a directory.")
    return download_output_job(state, flow_id, asset_id, target.parent, target.name)
