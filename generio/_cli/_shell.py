"""Lines that set environment variables, written for the shell the user runs.

``generio emulator`` prints them so that pointing the CLI (or any program using the SDK) at
it is one paste: ``export NAME=value`` for POSIX shells, ``set -gx`` for fish, ``setenv``
for csh, ``$env:NAME = 'value'`` for PowerShell and ``set "NAME=value"`` for cmd.exe. Values
are quoted so they arrive exactly as they are, whatever characters they hold.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping

__all__ = ["SHELLS", "detect_shell", "set_lines"]

#: The shells lines are written for.
SHELLS = ("posix", "fish", "csh", "powershell", "cmd")


def detect_shell(environ: Mapping[str, str] | None = None, system: str | None = None) -> str:
    """Guess the user's shell from the environment: one of :data:`SHELLS`.

    Args:
        environ: the environment (``os.environ`` when None).
        system: ``os.name`` (``"nt"`` on Windows) when None.
    """
    env = os.environ if environ is None else environ
    if (os.name if system is None else system) == "nt":
        # cmd.exe sets PROMPT for its children; PowerShell does not.
        return "cmd" if "PROMPT" in env else "powershell"
    name = env.get("SHELL", "").replace("\\", "/").rsplit("/", 1)[-1]
    if name == "fish":
        return "fish"
    if name in ("csh", "tcsh"):
        return "csh"
    if name in ("pwsh", "powershell"):
        return "powershell"
    return "posix"


def _fish_quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _single_quoted(value: str, quote_inside: str) -> str:
    return "'" + value.replace("'", quote_inside) + "'"


def set_lines(variables: Mapping[str, str], shell: str) -> list[str]:
    """Write lines that set ``variables`` in ``shell`` (one of :data:`SHELLS`).

    Raises:
        ValueError: an unknown shell.
    """
    items = list(variables.items())
    if shell == "posix":
        return ["export " + " ".join(f"{k}={shlex.quote(v)}" for k, v in items)]
    if shell == "fish":
        return [f"set -gx {k} {_fish_quote(v)}" for k, v in items]
    if shell == "csh":
        return [
            f"setenv {k} {_single_quoted(v, chr(39) + chr(92) + chr(39) * 2)}" for k, v in items
        ]
    if shell == "powershell":
        return [f"$env:{k} = {_single_quoted(v, chr(39) * 2)}" for k, v in items]
    if shell == "cmd":
        return [f'set "{k}={v}"' for k, v in items]
    raise ValueError(f"unknown shell {shell!r}; one of {', '.join(SHELLS)}")
