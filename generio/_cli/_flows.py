"""``generio flows ...``: create, list, inspect, start, abort, delete, wait for, fill, collect.

One facade call per command. ``create`` prints the flow id alone on stdout, so
``FLOW_ID=$(generio flows create ...)`` captures it; what people read goes to stderr.
``wait`` draws the same bar as ``run``; Ctrl-C only stops the waiting here (the flow was
not created by this command, so it is left running).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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
from generio._cli._render import asset_json, flow_json, flow_text, flows_text, size_text
from generio._cli._values import choice, completion, whole

if TYPE_CHECKING:
    from generio import Flow

__all__ = [
    "SERVICE_STATES",
    "SORT_FIELDS",
    "STATES",
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


#: Every state ``flows get`` can show, in the order of a flow's life.
STATES = ("created", "starting", "running", "aborting", "completed", "aborted", "failed")
#: The states ``GET /flows`` filters by (the spec's ``FlowStateFilter``); ``starting``, which
#: the docs leave out, is picked out of the whole list here.
SERVICE_STATES = tuple(s for s in STATES if s != "starting")
#: The fields ``--sort-by`` takes: one spelling each (``state``: the service's ``status``).
SORT_FIELDS = ("created_at", "started_at", "finished_at", "progress", "state")
#: What each field is sent as: the spelling the service's docs give.
_SORT_PARAMETER = {field: "status" if field == "state" else field for field in SORT_FIELDS}


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
            metavar="INPUT...",
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
            f"INPUT..., then: generio flows start {flow.id}"
        )


def _sort_key(field: str) -> Callable[[Flow], tuple[Any, ...]]:
    """Order flows by ``field``; flows without it (never started...) sort as the oldest."""

    def key(flow: Flow) -> tuple[Any, ...]:
        if field == "state":
            rank = STATES.index(flow.state) if flow.state in STATES else len(STATES)
            return (rank,)
        value = getattr(flow, field)
        return (value is not None, value if value is not None else 0)

    return key


def _newest(flow: Flow) -> tuple[bool, datetime]:
    created = flow.created_at
    return (created is not None, created or datetime.min.replace(tzinfo=UTC))


def list_flows(
    ctx: typer.Context,
    state: Annotated[
        str | None,
        typer.Option(
            "--state",
            metavar="STATE",
            help=f"Only flows in this state: {', '.join(STATES)}.",
            show_default=False,
            parser=choice(STATES),
            autocompletion=completion(STATES),
        ),
    ] = None,
    sort_by: Annotated[
        str,
        typer.Option(
            "--sort-by",
            metavar="FIELD",
            help=f"Sort by this field, the newest or furthest along first: "
            f"{', '.join(SORT_FIELDS)}.",
            parser=choice(SORT_FIELDS),
            autocompletion=completion(SORT_FIELDS),
        ),
    ] = "created_at",
    ascending: Annotated[
        bool, typer.Option("--ascending", help="The oldest or least far along first instead.")
    ] = False,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit",
            "-n",
            metavar="N",
            help="Show the first N flows only (default: all).",
            show_default=False,
            parser=whole(1),
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List the account's flows, the newest first."""
    client = open_client(ctx)
    flows = client.flows.list(
        state=state if state in SERVICE_STATES else None,  # type: ignore[arg-type]
        sort_by=_SORT_PARAMETER[sort_by],  # type: ignore[arg-type]
    )
    if state is not None:
        flows = [f for f in flows if f.state == state]  # also keeps a service filter honest
    # Sorted here too, whatever order the service keeps: ties newest first, then reversed.
    flows = sorted(flows, key=_newest)
    flows.sort(key=_sort_key(sort_by))
    if not ascending:
        flows.reverse()
    shown = flows if limit is None else flows[:limit]
    if len(shown) < len(flows):
        note(f"showing {len(shown)} of {len(flows)} flows (--limit {limit})")
    _show([flow_json(f) for f in shown], flows_text(shown), as_json)


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


def _label(source: str | Path | bytes) -> str:
    if isinstance(source, Path):
        return str(source)
    if isinstance(source, bytes):
        return f"standard input ({size_text(len(source))})"
    shown = source if len(source) <= 60 else source[:57] + "..."
    return f"the prompt {shown!r}"


def upload(
    ctx: typer.Context,
    flow_id: FlowId,
    inputs: Annotated[
        list[str],
        typer.Argument(
            metavar="INPUT...",
            help="A file when the path exists, otherwise a text prompt (as for run and flows "
            "create); - reads a prompt or a file from standard input. Added in order.",
            show_default=False,
        ),
    ],
    as_json: JsonOption = False,
) -> None:
    """Add inputs to a flow created without inputs; then start it with flows start.

    Every INPUT is checked against the flow's template before the first is uploaded, so a
    mistyped file name does not leave the flow half filled.
    """
    from generio._payload.inputs import check_accepted, prepare

    client = open_client(ctx)
    flow = client.flows.get(flow_id)
    found = resolve_template(client, flow.template)
    sources = read_inputs(inputs, found)
    for position, source in enumerate(sources, 1):
        check_accepted(prepare(source), found, position if len(sources) > 1 else None)
    assets = [client.flows.upload_input(flow_id, source) for source in sources]
    lines = [
        f"uploaded {_label(source)} as input {a.id}"
        for source, a in zip(sources, assets, strict=True)
    ]
    lines.append(f"start it: generio flows start {flow_id}")
    _show([asset_json(a) for a in assets], "\n".join(lines), as_json)
