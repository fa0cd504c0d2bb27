"""The ``generio`` Typer app: global options, and every command registered in one place.

Commands live in modules by subject; here each is wrapped by :func:`guarded` (expected
errors become one line and an exit code) and registered, so the command tree reads top to
bottom. Nothing heavy is imported here: ``generio --help`` loads typer and this package's
modules only; clients, rich and the emulator load inside the commands that use them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Annotated, Any

import typer

from generio._cli import _batch, _catalog, _flows, _local, _run, _show
from generio._cli._common import Globals, enable_debug_log, guarded, note
from generio._cli._parsing import Command, Group, RootGroup
from generio._cli._values import positive_seconds, whole
from generio._version import __version__

__all__ = ["app"]

_EXIT_CODES = (
    "Exit codes: 0 success; 1 the flow failed, was aborted or timed out; 2 usage error "
    "(also an unusable input); 3 API or configuration error (auth, not found, conflict, "
    "network...); 4 a local failure (an output could not be written: disk full, read-only...); "
    "130 interrupted (run aborts its flow first)."
)

app = typer.Typer(
    name="generio",
    help="The GENERIO Flows API from the shell: prompts, images and 3D models into 3D models "
    "(GLB). Global options go before or after the command.",
    epilog=_EXIT_CODES,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # Plain help: usage and options as they are typed, no rich type columns.
    rich_markup_mode=None,
    cls=RootGroup,
)

flows_app = typer.Typer(
    name="flows",
    help="Create, list, inspect, start, abort, delete, wait for, fill and download flows.",
    epilog=_EXIT_CODES,
    no_args_is_help=True,
    rich_markup_mode=None,
    cls=Group,
)


def _origin(value: str | None, option: str, variable: str) -> str | None:
    """Where a setting comes from: its option, else its variable, else None (the default)."""
    if value is not None:
        return option
    return f"${variable}" if os.environ.get(variable) is not None else None


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"generio {__version__}")
        raise typer.Exit


@app.callback()
def _root(
    ctx: typer.Context,
    api_key: Annotated[
        str | None,
        typer.Option(
            "--api-key",
            metavar="KEY",
            help="The API key (default: $GENERIO_API_KEY, which keeps it out of the process list).",
            show_default=False,
        ),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            metavar="URL",
            help="The service's URL (default: $GENERIO_BASE_URL, else https://flows.generio.ai).",
            show_default=False,
        ),
    ] = None,
    request_timeout: Annotated[
        float | None,
        typer.Option(
            "--request-timeout",
            metavar="SECONDS",
            help="Seconds each HTTP request may take (default: 30, 10 to connect). Waiting for "
            "a flow is --wait-timeout, on run and flows wait.",
            show_default=False,
            parser=positive_seconds,
        ),
    ] = None,
    old_timeout: Annotated[
        float | None,
        typer.Option(
            "--timeout",
            metavar="SECONDS",
            hidden=True,
            show_default=False,
            parser=positive_seconds,
        ),
    ] = None,
    max_retries: Annotated[
        int | None,
        typer.Option(
            "--max-retries",
            metavar="N",
            help="Extra attempts per request on failures that are safe to retry (default: 2).",
            show_default=False,
            parser=whole(0),
        ),
    ] = None,
    allow_insecure: Annotated[
        bool,
        typer.Option(
            "--allow-insecure",
            help="Allow plain http:// to a host that is not loopback (the key travels "
            "unencrypted: only on a trusted network).",
        ),
    ] = False,
    verbose: Annotated[
        bool,
        typer.Option(
            "-v",
            "--verbose",
            help="Log requests, retries and polling to stderr (the API key is never shown).",
        ),
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """Run the GENERIO Flows API from the shell."""
    if old_timeout is not None:
        note("--timeout before the command is deprecated: use --request-timeout")
        request_timeout = old_timeout if request_timeout is None else request_timeout
    ctx.obj = Globals(
        api_key=api_key,
        base_url=base_url,
        timeout=request_timeout,
        max_retries=max_retries,
        allow_insecure=allow_insecure,
        key_from=_origin(api_key, "--api-key", "GENERIO_API_KEY"),
        url_from=_origin(base_url, "--base-url", "GENERIO_BASE_URL"),
    )
    if verbose:
        # The key is only read here to mask it, should it ever reach a log line.
        enable_debug_log(ctx, api_key or os.environ.get("GENERIO_API_KEY"))


def _add(group: typer.Typer, command: Callable[..., Any], name: str) -> None:
    group.command(name, cls=Command)(guarded(command))


_add(app, _catalog.templates, "templates")
_add(app, _catalog.template, "template")
_add(app, _run.run, "run")
_add(app, _batch.batch, "batch")
app.add_typer(flows_app)
_add(flows_app, _flows.create, "create")
_add(flows_app, _flows.list_flows, "list")
_add(flows_app, _flows.get, "get")
_add(flows_app, _flows.start, "start")
_add(flows_app, _flows.abort, "abort")
_add(flows_app, _flows.delete, "delete")
_add(flows_app, _flows.wait, "wait")
_add(flows_app, _flows.download, "download")
_add(flows_app, _flows.upload, "upload")
_add(app, _local.demo, "demo")
_add(app, _local.emulator, "emulator")
_add(app, _show.preview, "preview")
