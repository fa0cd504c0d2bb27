"""Run documentation blocks as ``python -c`` would, in a process of their own, minus the imports.

A fresh ``python -c`` spends about half a second of CPU importing generio, httpx (with its
command-line tool's click, rich and pygments) and pydantic before a block's first line; the
README and the guides hold some fifty blocks, run in every test run. So one runner process per
pytest worker imports those once and forks a child per block: the child is a new process with
its own memory, a fresh ``__main__`` (a block still needs every import it uses), the block's own
working directory, environment and standard streams, and it ends the way an interpreter does
(atexit handlers, non-daemon threads joined, streams flushed, exit code from ``SystemExit``).

What a fork cannot give is a start read again: Python reads ``PYTHON*`` variables when it
starts and generio reads ``GENERIO_LOG`` and ``GENERIO_NO_DELAYS`` when imported, so a block
whose ``PYTHON*`` or ``GENERIO_*`` variables differ from the runner's (but for the key and the
base URL, read per client) runs in a real ``python -c`` instead, as does every block on a
platform without ``os.fork``. Other variables (``PYTEST_CURRENT_TEST`` changes per test) are
the block's own.
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

#: What most blocks import: paid once per runner, not once per block.
PRELOADED = ("generio", "generio.testing", "generio_api", "httpx", "httpx._main")
#: Variables read at start or import: a block that changes one needs a fresh interpreter.
AT_START = ("PYTHON", "GENERIO_")
#: But these two generio reads per client.
PER_BLOCK = frozenset({"GENERIO_API_KEY", "GENERIO_BASE_URL"})


@dataclass(frozen=True)
class Done:
    """What ``subprocess.run(..., capture_output=True, text=True)`` would have given."""

    returncode: int
    stdout: str
    stderr: str


def _child(request: dict[str, Any]) -> None:
    """Run one block in the forked child; never returns."""
    code = 1
    try:
        import signal

        signal.alarm(int(request["timeout"]))  # a hung block dies of SIGALRM: returncode -14
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        streams = ((0, os.devnull, os.O_RDONLY), (1, request["stdout"], os.O_WRONLY))
        for fd, path, mode in (*streams, (2, request["stderr"], os.O_WRONLY)):
            target = os.open(path, mode | (os.O_CREAT | os.O_TRUNC if fd else 0), 0o600)
            os.dup2(target, fd)  # fd 0 was the runner's requests: a block reads nothing there
            os.close(target)
        sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", encoding="utf-8", closefd=False, errors="backslashreplace")  # noqa: SIM115
        sys.argv = ["-c"]
        sys.path[0] = ""  # as for python -c: the working directory first
        main = type(sys)("__main__")
        sys.modules["__main__"] = main
        try:
            exec(compile(request["code"], "<string>", "exec"), main.__dict__)  # noqa: S102
            code = 0
        except SystemExit as stop:
            code = _exit_code(stop.code)
        except BaseException:
            import traceback

            traceback.print_exc()
            code = 1
        threading._shutdown()  # type: ignore[attr-defined]  # what the interpreter does at exit
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)


def _exit_code(value: object) -> int:
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    print(value, file=sys.stderr)
    return 1


def serve(requests: IO[str], answers: IO[str]) -> None:
    """Serve requests: one JSON request a line in, one return code a line out."""
    for name in PRELOADED:
        __import__(name)
    for line in requests:
        request = json.loads(line)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _child(request)
        _, status = os.waitpid(pid, 0)
        answers.write(f"{os.waitstatus_to_exitcode(status)}\n")
        answers.flush()


class BlockRunner:
    """A pre-imported runner process that runs each block in a forked child."""

    def __init__(self) -> None:
        self.env = dict(os.environ)
        self.lock = threading.Lock()
        self.process: subprocess.Popen[str] | None = None

    def run(self, code: str, *, cwd: Path, env: dict[str, str], timeout: float) -> Done:
        """Run ``code`` as ``python -c code`` would, in ``cwd`` with exactly ``env``."""
        if not hasattr(os, "fork") or self._at_start(env) != self._at_start(self.env):
            done = subprocess.run(
                [sys.executable, "-c", code],
                cwd=cwd,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
            return Done(done.returncode, done.stdout, done.stderr)
        out, err = cwd / ".block-stdout", cwd / ".block-stderr"
        request = {
            "code": code,
            "cwd": str(cwd),
            "env": env,
            "timeout": max(1, int(timeout)),
            "stdout": str(out),
            "stderr": str(err),
        }
        with self.lock:
            process = self._started()
            assert process.stdin is not None
            assert process.stdout is not None
            process.stdin.write(json.dumps(request) + "\n")
            process.stdin.flush()
            answer = process.stdout.readline()
        assert answer, "the block runner died"
        try:
            return Done(
                int(answer),
                out.read_text(encoding="utf-8"),
                err.read_text(encoding="utf-8", errors="backslashreplace"),
            )
        finally:
            out.unlink(missing_ok=True)
            err.unlink(missing_ok=True)

    @staticmethod
    def _at_start(env: dict[str, str]) -> dict[str, str]:
        return {k: v for k, v in env.items() if k.startswith(AT_START) and k not in PER_BLOCK}

    def _started(self) -> subprocess.Popen[str]:
        if self.process is None:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    "import sys, tests.helpers.blocks as b; b.serve(sys.stdin, sys.stdout)",
                ],
                cwd=Path(__file__).parent.parent.parent,
                env=self.env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
        return self.process

    def close(self) -> None:
        """Stop the runner (its stdin closes, its loop ends)."""
        if self.process is not None:
            assert self.process.stdin is not None
            assert self.process.stdout is not None
            self.process.stdin.close()
            self.process.wait(timeout=30)
            self.process.stdout.close()
            self.process = None
