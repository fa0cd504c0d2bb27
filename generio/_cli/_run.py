"""``generio run``: one template on inputs, with a live bar, the outputs saved to files.

The facade's ``run()`` does the work (create, wait, download) and aborts its flow when
Ctrl-C interrupts it, even while the create request is in flight; this command only types
the arguments, draws the bar and says what happened. ``--no-wait`` is ``flows.create()``:
a flow with inputs starts by itself; it prints the flow id alone on stdout
(``FLOW_ID=$(generio run ... --no-wait)``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from generio import FlowFailed
from generio._cli._args import parse_parameters, read_inputs
from generio._cli._catalog import resolve_template
from generio._cli._common import EXIT_INTERRUPTED, emit_json, note, open_client, say
from generio._cli._options import (
    JsonOption,
    OldTimeoutOption,
    OutDirOption,
    ParamsOption,
    WaitTimeoutOption,
    wait_seconds,
)
from generio._cli._progress import FlowBar
from generio._cli._render import asset_json, flow_json

if TYPE_CHECKING:
    from generio import Asset, Flow, Generio, Template

__all__ = ["run"]


def _result_json(flow: Flow, outputs: Sequence[Asset], paths: Sequence[Path]) -> dict[str, Any]:
    return {
        "flow": flow_json(flow),
        "outputs": [asset_json(a) for a in outputs],
        "paths": [str(p) for p in paths],
    }


def _interrupted(exc: BaseException, seen: Flow | None, keyed: bool = False) -> str:
    """Say what Ctrl-C left behind: run() aborted its flow (kept it, when keyed)."""
    flow_id = getattr(exc, "generio_flow_id", seen.id if seen else None)
    if flow_id is None:
        return "interrupted before a flow was created; nothing runs on"
    if seen is not None and seen.id == flow_id and seen.is_terminal:
        return (
            f"interrupted while saving the outputs of flow {flow_id}; "
            f"get them with: generio flows download {flow_id}"
        )
    if getattr(exc, "_generio_fate", None) == "abort failed":  # set by run()'s clean-up
        return (
            f"interrupted; aborting flow {flow_id} failed, so it may run on: abort it with: "
            f"generio flows abort {flow_id}"
        )
    if keyed:  # run()'s on_interrupt="auto" keeps a keyed flow for the re-run
        return (
            f"interrupted; flow {flow_id} runs on (it has your --idempotency-key): run the "
            f"same command again to collect it, or stop it: generio flows abort {flow_id}"
        )
    return f"interrupted; aborting flow {flow_id} (check: generio flows get {flow_id})"


def _create(
    client: Generio,
    template: Template,
    sources: list[Any],
    parameters: dict[str, Any],
    key: str | None,
) -> Flow:
    """``flows.create``; on Ctrl-C while the create is in flight, it aborts what it made.

    ``flows.create`` finds that flow by its key (a random one when none is given) and
    names it on the exception.
    """
    try:
        return client.flows.create(
            template, inputs=sources, parameters=parameters, idempotency_key=key
        )
    except KeyboardInterrupt as exc:
        note(_interrupted(exc, None, keyed=key is not None))
        raise typer.Exit(EXIT_INTERRUPTED) from None


class _Announcing:
    """The bar as ``on_progress``, plus one line naming the flow when it first appears.

    The line tells people which flow Ctrl-C would abort, and tells a supervising process
    (or a test) that waiting has begun. The flow is recorded before anything is printed,
    so a Ctrl-C landing at any point after the line is reported against that flow.
    """

    def __init__(self, bar: FlowBar, keyed: bool = False) -> None:
        self.bar = bar
        self.flow: Flow | None = None
        self.fate = "keeps it for a re-run" if keyed else "aborts it"

    def __call__(self, flow: Flow) -> None:
        first = self.flow is None
        self.flow = flow
        if first:
            self.bar.note(f"generio: flow {flow.id} is {flow.state}; Ctrl-C {self.fate}")
        self.bar(flow)


def run(
    ctx: typer.Context,
    template: Annotated[
        str,
        typer.Argument(
            metavar="TEMPLATE",
            help="The template's name or id, e.g. model_generate_fromprompt.",
            show_default=False,
        ),
    ],
    inputs: Annotated[
        list[str],
        typer.Argument(
            metavar="INPUT...",
            help="A file when the path exists, otherwise a text prompt.",
            show_default=False,
        ),
    ],
    params: ParamsOption = None,
    out_dir: OutDirOption = Path("."),
    no_wait: Annotated[
        bool,
        typer.Option(
            "--no-wait",
            help="Create the flow, print its id alone on stdout and return: "
            "FLOW_ID=$(generio run ... --no-wait).",
        ),
    ] = False,
    wait_timeout: WaitTimeoutOption = None,
    old_timeout: OldTimeoutOption = None,
    idempotency_key: Annotated[
        str | None,
        typer.Option(
            "--idempotency-key",
            metavar="KEY",
            help="Your key for this run: running again with the same key picks up the flow "
            "it made instead of creating (and paying for) another.",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Run a template on inputs, show its progress, save its outputs.

    Ctrl-C at any moment aborts the flow it created (exit code 130), or, with
    --idempotency-key, keeps it running for the same command to collect. Exit code 1 when
    the flow fails or is aborted.
    """
    timeout = wait_seconds(wait_timeout, old_timeout)
    client = open_client(ctx)
    found = resolve_template(client, template)
    parameters = parse_parameters(found, params or [])
    sources = read_inputs(inputs, found)
    if no_wait:
        flow = _create(client, found, sources, parameters, idempotency_key)
        if as_json:
            emit_json({"flow": flow_json(flow)})
        else:
            say(flow.id)
        note(f"flow {flow.id} is {flow.state}; follow it: generio flows wait {flow.id}")
        return
    bar = FlowBar(found.name)
    keyed = idempotency_key is not None
    watch = _Announcing(bar, keyed)
    try:
        with bar:
            result = client.run(
                found,
                sources,
                parameters=parameters,
                out_dir=out_dir,
                timeout=timeout,
                on_progress=watch,
                idempotency_key=idempotency_key,
            )
    except KeyboardInterrupt as exc:
        note(_interrupted(exc, watch.flow, keyed))
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except FlowFailed as exc:
        if as_json:
            emit_json(_result_json(exc.flow, exc.outputs, ()))
        raise
    if as_json:
        emit_json(_result_json(result.flow, result.outputs, result.paths))
        return
    say(f"flow {result.flow.id} {result.flow.state}")
    for path in result.paths:
        say(f"saved {path}")
