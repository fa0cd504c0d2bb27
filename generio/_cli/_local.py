"""The commands that need no account: ``generio emulator`` and ``generio demo``.

Both need the ``emulator`` extra; without it they say which extra and how to install it,
from a clone and from a package index (stderr, exit code 2). The emulator logs one line per
request to stderr (``--quiet`` turns that off); its address, key and the lines that point
the CLI at it, written for the user's shell (``_shell.py``), go to stdout.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from generio import MissingExtraError
from generio._cli._common import EXIT_FLOW, EXIT_USAGE, error, say
from generio._cli._demo import DEMO_FLOW_SECONDS, PROMPT, SEED, DemoResult
from generio._cli._progress import FlowBar
from generio._cli._render import columns, size_text
from generio._cli._shell import detect_shell, set_lines
from generio._cli._values import integer, port, seconds

__all__ = ["demo", "emulator"]

_EMULATOR_MODULES = frozenset({"fastapi", "starlette", "pydantic", "pydantic_core", "uvicorn"})


def _missing_emulator(exc: ImportError) -> bool:
    return (exc.name or "").split(".")[0] in _EMULATOR_MODULES


def _needs_emulator(feature: str, exc: ImportError) -> NoReturn:
    """Say which extra is missing and how to install it (stderr); exit code 2."""
    error(str(MissingExtraError(feature, "emulator", exc.name)))
    raise typer.Exit(EXIT_USAGE) from None


def _log_line(line: str) -> None:
    typer.echo(f"{time.strftime('%H:%M:%S')} {line}", err=True)


def emulator(
    port: Annotated[
        int,
        typer.Option(
            "--port", metavar="PORT", help="Port to listen on (0 picks a free one).", parser=port
        ),
    ] = 8765,
    host: Annotated[
        str, typer.Option("--host", metavar="ADDRESS", help="Address to listen on.")
    ] = "127.0.0.1",
    api_key: Annotated[
        str | None,
        typer.Option(
            "--api-key",
            metavar="KEY",
            envvar="GENERIO_EMULATOR_API_KEY",
            help="The key clients must send as a Bearer token; random when not given.",
        ),
    ] = None,
    flow_seconds: Annotated[
        float,
        typer.Option(
            "--flow-seconds",
            metavar="SECONDS",
            help="Seconds a flow takes from start to completion.",
            parser=seconds,
        ),
    ] = 5.0,
    seed: Annotated[
        int | None,
        typer.Option("--seed", metavar="N", help="Seed for fault injection.", parser=integer),
    ] = None,
    fault: Annotated[
        list[str] | None,
        typer.Option(
            "--fault",
            metavar="KIND[:OPERATION[:RATE]]",
            help="Inject faults, e.g. rate_limit:get_flow:0.2. Repeatable.",
        ),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Do not log each request to stderr.")
    ] = False,
) -> None:
    """Serve a local emulator of the Flows API until Ctrl-C, logging each request to stderr."""
    try:
        from generio.testing import Emulator, Fault
    except ImportError as exc:
        if not _missing_emulator(exc):
            raise
        _needs_emulator("generio emulator", exc)

    try:
        faults = [Fault(*_fault_parts(spec)) for spec in fault or []]
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--fault") from None

    def ready(base_url: str) -> None:
        # A key the user gave is theirs to know: it is not repeated (a generated one is).
        shown = "as given" if api_key else server.api_key
        say(f"GENERIO emulator serving {base_url} (API key: {shown}); Ctrl-C stops it.")
        say("Point generio at it: paste these lines into the shell you run it from.")
        variables = {"GENERIO_BASE_URL": _reachable(base_url)}
        if not api_key:
            variables["GENERIO_API_KEY"] = server.api_key
        for line in set_lines(variables, detect_shell()):
            say(f"  {line}")
        if api_key:
            say("  (and GENERIO_API_KEY set to the key given to the emulator)")
        if host not in _LOOPBACK and host not in _ANY:
            say("  (plain http to a host that is not loopback: add --allow-insecure to commands)")

    try:
        server = Emulator(
            api_key=api_key, flow_seconds=flow_seconds, seed=seed, faults=faults, host=host,
            port=port,
        )  # fmt: skip
        server.serve_forever(on_ready=ready, on_request=None if quiet else _log_line)
    except ImportError as exc:
        if not isinstance(exc, MissingExtraError) and not _missing_emulator(exc):
            raise
        _needs_emulator("generio emulator", exc)
    except OSError as exc:
        error(f"the emulator cannot listen on {host}:{port}: {exc.strerror or exc}")
        raise typer.Exit(EXIT_FLOW) from None


_ANY = ("0.0.0.0", "::", "")  # noqa: S104 - names the wildcard address, binds nothing
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _reachable(base_url: str) -> str:
    """Return the URL a client here connects to: a wildcard address is not one."""
    return base_url.replace("//0.0.0.0:", "//127.0.0.1:").replace("//[::]:", "//[::1]:")


def _fault_parts(spec: str) -> tuple[str, str, float]:
    """Split ``KIND[:OPERATION[:RATE]]`` into Fault's first three arguments."""
    kind, _, rest = spec.partition(":")
    operation, _, rate = rest.partition(":")
    try:
        return kind, operation or "*", float(rate) if rate else 1.0
    except ValueError:
        raise ValueError(f"rate {rate!r} in {spec!r} is not a number") from None


def _summary(result: DemoResult) -> str:
    rows = [
        (f"{n}/3 {step.title}", str(path), size_text(path.stat().st_size))
        for n, step in enumerate(result.steps, 1)
        for path in step.paths
    ]
    return "\n".join(
        [
            "",
            f"done: {len(rows)} models (GLB) saved under {result.out_dir}",
            columns(rows, "  "),
            "open them in any glTF viewer. The same against the real service, with your key "
            "in $GENERIO_API_KEY:",
            f'  generio run model_generate_fromprompt "{PROMPT}" -p seed={SEED}',
        ]
    )


def demo(
    out_dir: Annotated[
        Path,
        typer.Option(
            "-o", "--out-dir", metavar="DIR", file_okay=False, help="Where to save the models."
        ),
    ] = Path("generio-demo"),
    flow_seconds: Annotated[
        float,
        typer.Option(
            "--flow-seconds",
            metavar="SECONDS",
            help="Seconds each emulated flow takes.",
            parser=seconds,
        ),
    ] = DEMO_FLOW_SECONDS,
) -> None:
    """Run the demo: a local emulator; text to 3D, image to 3D, then optimise; GLBs saved.

    Needs no account or network: the flows run on an emulator in this process, driven
    through the same client calls as against the real service.
    """
    from generio._cli._demo import run_demo

    try:
        result = run_demo(out_dir, flow_seconds=flow_seconds, track=FlowBar, say=say)
    except ImportError as exc:
        if not isinstance(exc, MissingExtraError) and not _missing_emulator(exc):
            raise
        _needs_emulator("generio demo", exc)
    say(_summary(result))
