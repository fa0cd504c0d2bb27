"""Interrupts at any moment, progress on stderr, the emulator's request log, missing extras."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from generio import MissingExtraError, __version__
from generio._cli import app
from generio.testing import Emulator
from tests.helpers.cli import PROMPT_TEMPLATE, Cli

BIN = Path(sys.executable).parent
CONSOLE_SCRIPT = BIN / "generio"

LAUNCH = "_generio_launch.py"
#: The launcher's line that installs its SIGINT handler: a Ctrl-C may land before it, never after.
HANDLER_LINE = next(
    number
    for number, line in enumerate(
        (Path(__file__).parents[2] / LAUNCH).read_text(encoding="utf-8").splitlines(), 1
    )
    if "signal.signal(signal.SIGINT, _exit_at_start)" in line
)

#: The wheel MissingExtraError names: the one `nox -s build` makes of this version.
WHEEL = f"dist/generio-{__version__}-py3-none-any.whl"


def _default_sigint() -> None:
    # A shell may start the test run with SIGINT ignored (a background job); a terminal's
    # Ctrl-C reaches a process that has the default disposition.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.skipif(not CONSOLE_SCRIPT.exists(), reason="generio is not installed as a script")
@pytest.mark.parametrize("delay", [0.01, 0.03, 0.06, 0.1, 0.2, 0.3, 0.5])
def test_ctrl_c_during_start_up_exits_130_without_traceback(delay: float) -> None:
    """SIGINT while `generio` is still loading: exit 130, one line, no traceback from generio.

    The first milliseconds belong to the interpreter and to the wrapper pip writes
    (``import re, sys``), before any generio code runs: a signal landing there is outside
    generio's reach, so the check is that no traceback ever goes through generio's code.
    """
    child = subprocess.Popen(
        [str(CONSOLE_SCRIPT), "--base-url", "http://127.0.0.1:9", "--api-key", "k",
         "--max-retries", "9", "templates"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint,
    )  # fmt: skip
    time.sleep(delay)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=60)
    assert out == ""
    if "KeyboardInterrupt" in err:
        # It landed in the interpreter's start-up (standard streams, site, .pth files), the
        # wrapper's own imports, or the launcher's lines before its handler is in place,
        # which Python reports its own way: a traceback, a "Fatal Python error: init_..."
        # with or without frames (3.13 says "<no Python frame>"), or a bare
        # "KeyboardInterrupt". No frame may be generio's, or the launcher's after that.
        frames = [ln for ln in err.splitlines() if ln.strip().startswith("File ")]
        assert frames or "Traceback" not in err, err
        assert "/generio/" not in err, err
        launcher = [int(f.split("line ")[1].split(",")[0]) for f in frames if LAUNCH in f]
        assert all(line <= HANDLER_LINE for line in launcher), err
    elif child.returncode == 130:
        assert err.strip() == "generio: interrupted"
    else:
        # Before Python installs its own handler, SIGINT ends the process as a shell's
        # Ctrl-C does (-2, which a shell reports as 130), silently.
        assert child.returncode == -signal.SIGINT, err
        assert err == ""


def test_failure_before_the_flow_leaves_no_progress_line(cli: Cli, emu: Emulator) -> None:
    """An error while creating the flow shows the error alone: no stale '0% creating' line."""
    emu.add_fault("server_error", "create_flow", count=10)
    result = cli("--max-retries", "0", "run", PROMPT_TEMPLATE, "a chair", "-o", "out")
    assert result.exit_code == 3
    assert result.stderr.startswith("generio: error: ")
    assert "creating" not in result.stderr
    assert "0%" not in result.stderr


def test_progress_is_plain_lines_when_stderr_is_not_a_terminal(cli: Cli) -> None:
    """Off a terminal, progress is a few plain lines: no bar, no control codes, a final one."""
    result = cli("run", PROMPT_TEMPLATE, "a chair", "-o", "out")
    assert result.exit_code == 0
    lines = [ln for ln in result.stderr.splitlines() if ln.startswith(PROMPT_TEMPLATE + ": ")]
    assert lines, result.stderr
    assert lines[-1].startswith(f"{PROMPT_TEMPLATE}: completed 100% (")
    assert "\x1b" not in result.stderr
    assert "━" not in result.stderr
    assert len(lines) == len(set(lines))  # now and then, not once per poll


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _serve(*extra: str, key: str | None = "K") -> tuple[subprocess.Popen[str], str, list[str]]:
    """Start `generio emulator`; return it, its URL and its banner's lines to paste."""
    port = _free_port()
    given = ["--api-key", key] if key is not None else []
    child = subprocess.Popen(
        [sys.executable, "-m", "generio", "emulator", "--port", str(port), *given,
         "--flow-seconds", "0.1", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint,
        env={**os.environ, "SHELL": "/bin/bash"},
    )  # fmt: skip
    assert child.stdout is not None
    # The banner, read whole: communicate() later reads the pipe, not this reader's buffer.
    banner = [child.stdout.readline() for _ in range(3 if key is None else 4)]
    url = f"http://127.0.0.1:{port}"
    assert "serving" in banner[0]
    assert banner[1] == "Point generio at it: paste these lines into the shell you run it from.\n"
    return child, url, [line.strip() for line in banner[2:]]


def _stop(child: subprocess.Popen[str]) -> tuple[str, str]:
    child.send_signal(signal.SIGINT)
    try:
        out, err = child.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        child.kill()
        out, err = child.communicate()
    assert child.returncode == 0
    return out, err


@pytest.mark.parametrize("quiet", [False, True], ids=["logged", "quiet"])
def test_emulator_command_logs_one_line_per_request(quiet: bool) -> None:
    """`generio emulator` writes one line per request to stderr; --quiet writes none."""
    child, url, lines = _serve(*(["--quiet"] if quiet else []))
    assert lines == [  # the given key is not repeated
        f"export GENERIO_BASE_URL={url}",
        "(and GENERIO_API_KEY set to the key given to the emulator)",
    ]
    try:
        headers = {"Authorization": "Bearer K"}
        with httpx.Client(base_url=url, headers=headers) as http:
            assert http.get("/templates").status_code == 200
            assert http.get("/flows/000000000000000000000000").status_code == 404
            assert http.get("/templates", headers={"Authorization": "Bearer no"}).status_code == 401
    finally:
        out, err = _stop(child)
    lines = [ln.split(" ", 1)[1] for ln in err.splitlines() if ln[:2].isdigit()]
    if quiet:
        assert lines == []
    else:
        assert [" ".join(ln.split()[:3]) for ln in lines] == [
            "GET /templates 200",
            "GET /flows/000000000000000000000000 404",
            "GET /templates 401",
        ]
    assert "K" not in err.replace("KEY", "")
    assert out == ""  # the banner was read; nothing else goes to stdout


@pytest.mark.skipif(not CONSOLE_SCRIPT.exists(), reason="generio is not installed as a script")
def test_the_banner_lines_pasted_into_bash_point_generio_at_the_emulator() -> None:
    """The emulator's export line, pasted into a fresh bash as printed, makes `generio` work."""
    child, _url, lines = _serve("--quiet", key=None)
    try:
        (line,) = lines
        assert line.startswith("export GENERIO_BASE_URL=http://127.0.0.1:")
        assert " GENERIO_API_KEY=" in line  # the generated key, to paste
        env = {k: v for k, v in os.environ.items() if not k.startswith("GENERIO_")}
        env["PATH"] = f"{CONSOLE_SCRIPT.parent}{os.pathsep}{env.get('PATH', '')}"
        done = subprocess.run(
            ["bash", "-c", f"set -e\n{line}\ngenerio templates --json\n"], env=env,
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    finally:
        _stop(child)
    assert done.returncode == 0, done.stderr
    assert {t["name"] for t in json.loads(done.stdout)} >= {PROMPT_TEMPLATE}


def _run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )


def test_emulator_without_its_extra_is_a_typed_error() -> None:
    """Emulator() without fastapi raises MissingExtraError naming the extra and both installs."""
    done = _run_python(
        "import sys; sys.modules['fastapi'] = None\n"
        "from generio import MissingExtraError, __version__\n"
        "from generio.testing import Emulator\n"
        "try:\n"
        "    Emulator()\n"
        "except MissingExtraError as exc:\n"
        "    print(type(exc).__name__, isinstance(exc, ImportError), exc.extra, '|', exc)\n"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("MissingExtraError True emulator | ")
    assert "pip install '.[emulator]'" in done.stdout
    assert f"pip install '{WHEEL}[emulator]'" in done.stdout
    assert "pip install 'generio[emulator]'" in done.stdout
    assert "ModuleNotFoundError" not in done.stdout + done.stderr


@pytest.mark.parametrize("command", ["emulator", "demo"])
def test_commands_without_the_emulator_extra(command: str) -> None:
    """`generio emulator` and `generio demo` without the extra: one line on stderr, exit 2."""
    done = _run_python(
        "import sys; sys.modules['uvicorn'] = None\n"
        "from generio.__main__ import main\n"
        f"sys.exit(main([{command!r}]))\n"
    )
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"generio: error: generio {command} needs the 'emulator' extra")
    assert "From a clone of the repository: pip install '.[emulator]'" in line
    assert f"from a wheel (nox -s build makes it): pip install '{WHEEL}[emulator]'" in line
    assert "once generio is on PyPI: pip install 'generio[emulator]'" in line


def test_missing_extra_error_says_both_installs() -> None:
    """The error's text names the extra, the missing module and how to install it today."""
    exc = MissingExtraError("the command line", "cli", "typer")
    assert isinstance(exc, ImportError)
    assert exc.name == "typer"
    assert str(exc) == (
        "the command line needs the 'cli' extra, which is not installed (typer is missing). "
        "From a clone of the repository: pip install '.[cli]'; from a wheel (nox -s build "
        f"makes it): pip install '{WHEEL}[cli]'; once generio is on PyPI: "
        "pip install 'generio[cli]'."
    )


def test_bench_writes_outside_tracked_files_unless_recording(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """benchmarks/run.py writes results/local/ by default; --record also writes latest.json."""
    monkeypatch.syspath_prepend(str(Path(__file__).parents[2] / "benchmarks"))
    import run as bench  # benchmarks/run.py
    from _report import ratio_row

    monkeypatch.setattr(bench, "RESULTS", tmp_path)
    monkeypatch.setattr(bench, "BENCHES", {"fake": lambda: [ratio_row("r", "m", 1, 2, "s", 1)]})
    assert bench.main(["fake"]) == 0
    assert not (tmp_path / "latest.json").exists()
    (local,) = (tmp_path / "local").iterdir()
    assert json.loads(local.read_text())["rows"][0]["name"] == "r"
    assert bench.main(["--record", "fake"]) == 0
    assert json.loads((tmp_path / "latest.json").read_text())["rows"][0]["ratio"] == 0.5


def test_bench_results_are_ignored_by_git() -> None:
    """benchmarks/results/local/ is in .gitignore, so a run never dirties the checkout."""
    root = Path(__file__).parents[2]
    assert "benchmarks/results/local/" in (root / ".gitignore").read_text().splitlines()


def test_ctrl_c_in_process_exits_130(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """A KeyboardInterrupt outside any command (while parsing) still exits 130, quietly."""
    import generio.__main__ as entry

    def interrupted(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("generio._cli.app", interrupted)
    assert entry.main(["templates"]) == 130


def test_help_via_runner_is_unchanged_by_streams() -> None:
    """Sanity: the app still answers --help in-process (no stray output on stderr)."""
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    assert result.stderr == ""


_BAR = (
    "import sys\n"
    "from datetime import UTC, datetime\n"
    "from generio import Flow\n"
    "from generio._cli._progress import FlowBar\n"
    "flow = Flow('f1', 'tpl', 'running', 0.5, {}, None, datetime.now(UTC))\n"
    "try:\n"
    "    with FlowBar('tpl') as bar:\n"
    "        bar(flow)\n"
    "        if sys.argv[1] == 'fail':\n"
    "            raise RuntimeError\n"
    "except RuntimeError:\n"
    "    pass\n"
)


@pytest.mark.parametrize("ending", ["fail", "ok"])
def test_terminal_bar_is_removed_after_an_error(ending: str) -> None:
    """On a terminal the live bar is erased when the command fails, and kept when it ends."""
    env = {**os.environ, "TTY_COMPATIBLE": "1", "FORCE_TERMINAL": "1"}  # rich: a terminal
    done = subprocess.run(
        [sys.executable, "-c", _BAR, ending],
        capture_output=True, text=True, env=env, timeout=60, check=True,
    )  # fmt: skip
    drawn = done.stderr
    assert "running" in drawn  # the bar was drawn, live
    tail = drawn[drawn.rindex("running") :]
    erased = "\x1b[1A\x1b[2K" in tail  # cursor up, erase the line: the bar is gone
    assert erased == (ending == "fail"), repr(tail)
