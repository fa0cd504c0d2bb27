"""The ``generio`` command line (extra ``cli``): thin commands over the library.

Each command imports what it needs when it runs, so ``generio --help`` works with the
``cli`` extra alone and a missing extra is reported as a one-line hint.
"""

from __future__ import annotations

from typing import Annotated

import typer

from generio._version import __version__

__all__ = ["app"]

app = typer.Typer(
    name="generio",
    help="Python SDK for the GENERIO Flows API: prompts, images and models into 3D models.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_EMULATOR_MODULES = frozenset({"fastapi", "starlette", "pydantic", "pydantic_core", "uvicorn"})


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"generio {__version__}")
        raise typer.Exit


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """Python SDK for the GENERIO Flows API."""


@app.command()
def emulator(
    port: Annotated[int, typer.Option(help="Port to listen on (0 picks a free one).")] = 8765,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    api_key: Annotated[
        str | None,
        typer.Option(
            "--api-key",
            envvar="GENERIO_EMULATOR_API_KEY",
            help="The key clients must send as a Bearer token; random when not given.",
        ),
    ] = None,
    flow_seconds: Annotated[
        float, typer.Option(min=0.0, help="Seconds a flow takes from start to completion.")
    ] = 5.0,
    seed: Annotated[int | None, typer.Option(help="Seed for fault injection.")] = None,
    fault: Annotated[
        list[str] | None,
        typer.Option(
            "--fault",
            help="Inject faults: KIND[:OPERATION[:RATE]], e.g. rate_limit:get_flow:0.2. "
            "Repeatable.",
        ),
    ] = None,
) -> None:
    """Serve a local emulator of the Flows API until Ctrl-C."""
    from generio.testing import Emulator, Fault

    try:
        faults = [Fault(*_fault_parts(spec)) for spec in fault or []]
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--fault") from None

    def ready(base_url: str) -> None:
        shown = "as given" if api_key else server.api_key
        typer.echo(f"GENERIO emulator serving {base_url} (API key: {shown}); Ctrl-C stops it.")

    server = Emulator(
        api_key=api_key, flow_seconds=flow_seconds, seed=seed, faults=faults, host=host, port=port
    )
    try:
        server.serve_forever(on_ready=ready)
    except ImportError as exc:
        if exc.name not in _EMULATOR_MODULES:
            raise
        typer.echo("generio emulator needs the emulator extra: pip install 'generio[emulator]'")
        raise typer.Exit(2) from None
    except OSError as exc:
        typer.echo(f"generio emulator cannot listen on {host}:{port}: {exc.strerror or exc}")
        raise typer.Exit(1) from None


def _fault_parts(spec: str) -> tuple[str, str, float]:
    """Split ``KIND[:OPERATION[:RATE]]`` into Fault's first three arguments."""
    kind, _, rest = spec.partition(":")
    operation, _, rate = rest.partition(":")
    try:
        return kind, operation or "*", float(rate) if rate else 1.0
    except ValueError:
        raise ValueError(f"rate {rate!r} in {spec!r} is not a number") from None
