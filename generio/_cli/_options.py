"""Options several commands share, spelled once: ``--json``, ``-p``, ``-o``, the wait timeout."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from generio._cli._common import note
from generio._cli._values import seconds

__all__ = [
    "JsonOption",
    "OldTimeoutOption",
    "OutDirOption",
    "ParamsOption",
    "WaitTimeoutOption",
    "wait_seconds",
]

#: ``--json`` as every command spells it.
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print machine-readable JSON (only) on stdout.")
]

ParamsOption = Annotated[
    list[str] | None,
    typer.Option(
        "-p",
        "--param",
        metavar="NAME=VALUE",
        help="A template parameter, typed by the template (-p seed=42 -p texture=false). "
        "Repeatable; see: generio template NAME.",
        show_default=False,
    ),
]

OutDirOption = Annotated[
    Path,
    typer.Option(
        "-o", "--out-dir", metavar="DIR", file_okay=False, help="Where to save the outputs."
    ),
]

WaitTimeoutOption = Annotated[
    float | None,
    typer.Option(
        "--wait-timeout",
        metavar="SECONDS",
        parser=seconds,
        help="Seconds to wait for the flow at most (exit code 1 after; the flow keeps "
        "running). Not the same as --request-timeout, which bounds each HTTP request.",
        show_default=False,
    ),
]

#: The old name of ``--wait-timeout`` on ``run`` and ``flows wait``: still accepted, hidden.
OldTimeoutOption = Annotated[
    float | None,
    typer.Option("--timeout", metavar="SECONDS", parser=seconds, hidden=True, show_default=False),
]


def wait_seconds(wait_timeout: float | None, old_timeout: float | None) -> float | None:
    """Pick the wait timeout, saying on stderr when the deprecated ``--timeout`` was used."""
    if old_timeout is None:
        return wait_timeout
    note("--timeout is deprecated on this command: use --wait-timeout")
    return old_timeout if wait_timeout is None else wait_timeout
