"""``generio flows ...``: create, list, inspect, start, abort, delete, wait for, fill, collect.

One facade call per command. ``create`` prints the flow id alone on stdout, so
``FLOW_ID=$(generio flows create ...)`` captures it; what people read goes to stderr.
``wait`` draws the same bar as ``run``; Ctrl-C only stops the waiting here (the flow was
not created by this command, so it is left running).
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from generio._cli._args import parse_parameters, read_inputs
from generio._cli._catalog import resolve_template
from generio._cli._common import (
    EXIT_FLOW,
    EXIT_INTERRUPTED,
    UsageProblem,
    emit_json,
    error,
    note,
    open_client,
    say,
)
from generio._cli._options import (
    JsonOption,
    OldTimeoutOption,
    OutDirOption,
    ParamsOption,
    WaitTimeoutOption,
    wait_seconds,
)
from generio._cli._progress import FlowBar
from generio._cli._render import asset_json, flow_json, flow_text, flows_text

__all__ = [
    "SortField",
    "StateFilter",
    "abort",
    "create",
    "delete",
    "download",
    "get",
    "list_flows",
    "start",
    "upload",
    "wait",
]


class StateFilter(StrEnum):
    """The states ``GET /flows`` filters by (the spec's ``FlowStateFilter``)."""

    CREATED = "created"
    RUNNING = "running"
    ABORTING = "aborting"
    COMPLETED = "completed"
    ABORTED = "aborted"
    FAILED = "failed"


class SortField(StrEnum):
    """The fields ``GET /flows`` sorts by (the spec's ``FlowSortField``)."""

    STATE = "state"
    STATUS = "status"
    PROGRESS = "progress"
    CREATED_AT = "created_at"
    STARTED_AT = "started_at"
    FINISHED_AT = "finished_at"


FlowId = Annotated[str, typer.Argument(metavar="ID", help="The flow's id.", show_default=False)]
TemplateArg = Annotated[
    str,
    typer.Argument(
        metavar="TEMPLATE",
        help="The template's name or id, e.g. model_generate_fromprompt.",
        show_default=False,
    ),
]


def _show(flow_data: object, text: str, as_json: bool) -> None:
    if as_json:
        emit_json(flow_data)
    else:
        say(text)


def _json_argument(text: str | None) -> dict[str, Any]:
    """``{"additional": value}`` for ``--additional JSON``; nothing when not given."""
    if text is None:
        return {}
    try:
        return {"additional": json.loads(text)}
    except ValueError as exc:
        raise UsageProblem(f"--additional {text!r} is not JSON: {exc}") from None


def create(
    ctx: typer.Context,
    template: TemplateArg,
    inputs: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[INPUT...]",
            help="A file when the path exists, otherwise a text prompt. None: the flow stays "
            "'created' for flows upload and flows start.",
            show_default=False,
        ),
    ] = None,
    params: ParamsOption = None,
    additional: Annotated[
        str | None,
        typer.Option(
            "--additional",
            metavar="JSON",
            help='Any JSON to keep with the flow, e.g. \'{"sku": "L-1"}\'.',
            show_default=False,
        ),
    ] = None,
    idempotency_key: Annotated[
        str | None,
        typer.Option(
            "--idempotency-key",
            metavar="KEY",
            help="Your key for this flow: creating again with the same key returns the flow "
            "already created instead of a second (billed) one.",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Create a flow and print its id; with no INPUT it waits for uploads and a start."""
    client = open_client(ctx)
    found = resolve_template(client, template)
    parameters = parse_parameters(found, params or [])
    sources = read_inputs(inputs or [], found)
    extra = _json_argument(additional)
    if idempotency_key is not None:
        # Passed only when given, so this works with clients that predate the option.
        extra["idempotency_key"] = idempotency_key
    flow = client.flows.create(found, inputs=sources or None, parameters=parameters, **extra)
    if as_json:
        emit_json(flow_json(flow))
    else:
        say(flow.id)
    if sources:
        note(f"flow {flow.id} is {flow.state}; follow it: generio flows wait {flow.id}")
    else:
        note(
            f"flow {flow.id} is {flow.state}; add inputs: generio flows upload {flow.id} "
            f"FILE..., then: generio flows start {flow.id}"
        )


def list_flows(
    ctx: typer.Context,
    state: Annotated[
        StateFilter | None,
        typer.Option(
            "--state",
            metavar="STATE",
            help=f"Only flows in this state: {', '.join(StateFilter)}.",
            show_default=False,
        ),
    ] = None,
    sort_by: Annotated[
        SortField | None,
        typer.Option(
            "--sort-by",
            metavar="FIELD",
            help=f"Sort by this field: {', '.join(SortField)} (default: created_at).",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List the account's flows."""
    flows = open_client(ctx).flows.list(
        state=None if state is None else state.value,
        sort_by=None if sort_by is None else sort_by.value,
    )
    _show([flow_json(f) for f in flows], flows_text(flows), as_json)


def get(ctx: typer.Context, flow_id: FlowId, as_json: JsonOption = False) -> None:
    """Show a flow: its state, progress, parameters and times."""
    flow = open_client(ctx).flows.get(flow_id)
    _show(flow_json(flow), flow_text(flow), as_json)


def start(ctx: typer.Context, flow_id: FlowId, as_json: JsonOption = False) -> None:
    """Start a flow created without inputs, once its inputs are uploaded."""
    flow = open_client(ctx).flows.start(flow_id)
    _show(flow_json(flow), flow_text(flow), as_json)


def abort(ctx: typer.Context, flow_id: FlowId, as_json: JsonOption = False) -> None:
    """Abort a starting or running flow."""
    flow = open_client(ctx).flows.abort(flow_id)
    _show(flow_json(flow), flow_text(flow), as_json)


def delete(ctx: typer.Context, flow_id: FlowId, as_json: JsonOption = False) -> None:
    """Delete a flow and all its files, irreversibly (not while it runs)."""
    open_client(ctx).flows.delete(flow_id)
    _show({"id": flow_id, "deleted": True}, f"deleted flow {flow_id}", as_json)


def wait(
    ctx: typer.Context,
    flow_id: FlowId,
    wait_timeout: WaitTimeoutOption = None,
    old_timeout: OldTimeoutOption = None,
    as_json: JsonOption = False,
) -> None:
    """Wait for a flow to finish, showing its progress; exit code 1 unless it completed."""
    timeout = wait_seconds(wait_timeout, old_timeout)
    client = open_client(ctx)
    try:
        with FlowBar(flow_id) as bar:
            flow = client.flows.wait(flow_id, timeout=timeout, on_progress=bar)
    except KeyboardInterrupt:
        note(f"interrupted; flow {flow_id} keeps running (abort it: generio flows abort {flow_id})")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    _show(flow_json(flow), flow_text(flow), as_json)
    if flow.is_failed:
        error(f"flow {flow.id} ended {flow.state}")
        raise typer.Exit(EXIT_FLOW)


def download(
    ctx: typer.Context,
    flow_id: FlowId,
    out_dir: OutDirOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Save a finished flow's outputs as files (partial ones of a failed flow too)."""
    paths = open_client(ctx).flows.download_outputs(flow_id, out_dir)
    text = "\n".join(f"saved {p}" for p in paths) or f"flow {flow_id} has no outputs to save"
    _show({"id": flow_id, "paths": [str(p) for p in paths]}, text, as_json)


def upload(
    ctx: typer.Context,
    flow_id: FlowId,
    files: Annotated[
        list[Path],
        typer.Argument(
            metavar="FILE...",
            exists=True,
            dir_okay=False,
            readable=True,
            help="Files to add as inputs, in order.",
            show_default=False,
        ),
    ],
    as_json: JsonOption = False,
) -> None:
    """Add input files to a flow created without inputs; then start it."""
    client = open_client(ctx)
    assets = [client.flows.upload_input(flow_id, path) for path in files]
    lines = [f"uploaded {path} as input {a.id}" for path, a in zip(files, assets, strict=True)]
    lines.append(f"start it: generio flows start {flow_id}")
    _show([asset_json(a) for a in assets], "\n".join(lines), as_json)
