"""Running a command in a real pseudo-terminal and reading its screen as a person would see it.

The command's output goes through a pty (so ``isatty()`` is true and rich draws its live
displays), and every byte is fed to pyte, a VT100 emulator, which keeps the screen. The
screen is snapshotted after each read, so a test can check every frame the user saw, not
only the last one.
"""

from __future__ import annotations

import fcntl
import os
import select
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

import attrs
import pyte


@attrs.frozen
class Screens:
    """What a command showed on its terminal.

    Attributes:
        returncode: the command's exit code.
        frames: the screen's rows after each read of output, in order (trailing blanks cut).
        raw: every byte written to the terminal.
        stdout: what went to stdout, when stdout was not the terminal.
    """

    returncode: int
    frames: list[list[str]]
    raw: bytes
    stdout: str = ""

    @property
    def final(self) -> list[str]:
        """The last screen, without its blank rows at the bottom."""
        rows = list(self.frames[-1]) if self.frames else []
        while rows and not rows[-1]:
            rows.pop()
        return rows


def run_in_terminal(
    argv: Sequence[str],
    env: Mapping[str, str],
    *,
    columns: int = 110,
    rows: int = 60,
    stdout_to_pipe: bool = False,
    cwd: Path | None = None,
    timeout: float = 120.0,
) -> Screens:
    """Run ``argv`` with stdin, stderr (and stdout, unless ``stdout_to_pipe``) on a new pty.

    Args:
        argv: the command.
        env: its environment; ``TERM``, ``COLUMNS`` and ``LINES`` are set here.
        columns: the terminal's width.
        rows: the terminal's height; tall enough that nothing scrolls off in the tests.
        stdout_to_pipe: send stdout to a pipe (as ``cmd > file`` does) instead of the pty.
        cwd: the directory to run in.
        timeout: seconds before the command is killed (the test then fails on its output).
    """
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    environment = {**env, "TERM": "xterm-256color", "COLUMNS": str(columns), "LINES": str(rows)}
    environment.pop("NO_COLOR", None)
    child = subprocess.Popen(
        list(argv),
        stdin=slave,
        stdout=subprocess.PIPE if stdout_to_pipe else slave,
        stderr=slave,
        env=environment,
        close_fds=True,
        start_new_session=True,
        cwd=cwd,
    )
    os.close(slave)
    screen = pyte.Screen(columns, rows)
    stream = pyte.ByteStream(screen)
    frames: list[list[str]] = []
    raw = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: the child's side of the pty is closed
                    data = b""
                if not data:
                    break
                raw += data
                stream.feed(data)
                frames.append([row.rstrip() for row in screen.display])
            elif child.poll() is not None:
                break
            if time.monotonic() > deadline:
                os.killpg(child.pid, signal.SIGKILL)
                break
        out = _read_all(child.stdout) if stdout_to_pipe else ""
        returncode = child.wait(timeout=30)
    finally:
        os.close(master)
        if child.stdout is not None:
            child.stdout.close()
    return Screens(returncode, frames, bytes(raw), out)


def _read_all(stream: IO[bytes] | None) -> str:
    return stream.read().decode("utf-8", errors="replace") if stream is not None else ""
