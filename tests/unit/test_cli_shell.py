"""The emulator's lines to paste, written for each shell, with values quoted to arrive exact."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from generio._cli._shell import SHELLS, detect_shell, set_lines

VARIABLES = {"GENERIO_BASE_URL": "http://127.0.0.1:8765", "GENERIO_API_KEY": "k-1"}


@pytest.mark.parametrize(
    ("shell", "lines"),
    [
        ("posix", ["export GENERIO_BASE_URL=http://127.0.0.1:8765 GENERIO_API_KEY=k-1"]),
        ("fish", ["set -gx GENERIO_BASE_URL 'http://127.0.0.1:8765'",
                  "set -gx GENERIO_API_KEY 'k-1'"]),
        ("csh", ["setenv GENERIO_BASE_URL 'http://127.0.0.1:8765'",
                 "setenv GENERIO_API_KEY 'k-1'"]),
        ("powershell", ["$env:GENERIO_BASE_URL = 'http://127.0.0.1:8765'",
                        "$env:GENERIO_API_KEY = 'k-1'"]),
        ("cmd", ['set "GENERIO_BASE_URL=http://127.0.0.1:8765"', 'set "GENERIO_API_KEY=k-1"']),
    ],
)  # fmt: skip
def test_lines_for_each_shell(shell: str, lines: list[str]) -> None:
    """Each shell gets its own way of setting a variable for the commands run after."""
    assert set_lines(VARIABLES, shell) == lines


@pytest.mark.parametrize(
    ("environ", "system", "shell"),
    [
        ({"SHELL": "/bin/bash"}, "posix", "posix"),
        ({"SHELL": "/usr/bin/zsh"}, "posix", "posix"),
        ({}, "posix", "posix"),
        ({"SHELL": "/usr/local/bin/fish"}, "posix", "fish"),
        ({"SHELL": "/bin/tcsh"}, "posix", "csh"),
        ({"SHELL": "/usr/bin/pwsh"}, "posix", "powershell"),
        ({"PROMPT": "$P$G"}, "nt", "cmd"),
        ({"PSModulePath": "C:\\x"}, "nt", "powershell"),
    ],
)
def test_detect_shell(environ: dict[str, str], system: str, shell: str) -> None:
    """The shell is read from $SHELL; on Windows, cmd.exe is told apart by its PROMPT."""
    assert detect_shell(environ, system) == shell
    assert shell in SHELLS


def test_unknown_shell_is_refused() -> None:
    """A shell name outside SHELLS is a ValueError naming the known ones."""
    with pytest.raises(ValueError, match="posix, fish"):
        set_lines(VARIABLES, "rc")


AWKWARD = "k 'quoted' \"double\" $HOME \\ ; `x`"


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_posix_quoting_survives_bash() -> None:
    """A value with spaces, quotes, $ and backslashes arrives in bash exactly as it was."""
    (line,) = set_lines({"GENERIO_API_KEY": AWKWARD}, "posix")
    done = subprocess.run(
        ["bash", "-c", f'{line}\nprintf %s "$GENERIO_API_KEY"'],
        capture_output=True, text=True, check=True, env={"PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert done.stdout == AWKWARD


@pytest.mark.parametrize(("shell", "program"), [("fish", "fish"), ("csh", "tcsh")])
def test_fish_and_csh_quoting_survive_their_shell(shell: str, program: str) -> None:
    """The fish and csh lines set the exact value in those shells (where they are installed)."""
    if shutil.which(program) is None:
        pytest.skip(f"{program} is not installed (apt-get install {program})")
    lines = set_lines({"GENERIO_API_KEY": AWKWARD, "GENERIO_BASE_URL": "http://h"}, shell)
    done = subprocess.run(
        [program, "-c", "\n".join([*lines, "printenv GENERIO_API_KEY"])],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert done.stdout == AWKWARD + "\n"
