"""Ctrl-C: `run` aborts the flow it created and exits 130; `flows wait` leaves it running."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from generio import Flow, Generio
from generio._cli._progress import FlowBar
from generio.testing import Emulator
from tests.helpers.cli import PROMPT_TEMPLATE, SLOW_FLOW_SECONDS, Cli

# A shell may start the test run with SIGINT ignored (a background job), and children
# inherit that; restoring Python's own handler makes the child react as a terminal's would.
_CHILD = (
    "import signal, sys\n"
    "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
    "from generio.__main__ import main\n"
    "sys.exit(main())\n"
)


def test_sigint_aborts_the_flow_and_exits_130(
    emu: Emulator, subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    """SIGINT while `generio run` waits: the flow is aborted, the exit code is 130."""
    emu.flow_seconds = SLOW_FLOW_SECONDS
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, "run", PROMPT_TEMPLATE, "a slow chair", "-o", str(tmp_path)],
        env=subprocess_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stderr is not None
        waiting = child.stderr.readline()  # printed once the flow exists and waiting began
        assert "Ctrl-C aborts it" in waiting
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    assert child.returncode == 130
    (entry,) = emu.ledger
    assert entry.flow_id in waiting
    assert entry.state in ("aborting", "aborted")
    assert f"interrupted; aborting flow {entry.flow_id}" in err
    assert "Traceback" not in err
    assert out == ""


def _interrupt_on_first_update(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the bar raise KeyboardInterrupt on its first update, as Ctrl-C would there."""

    def interrupted(self: FlowBar, flow: Flow) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(FlowBar, "__call__", interrupted)


def test_interrupted_run_aborts_in_process(
    cli: Cli, emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A KeyboardInterrupt while run waits aborts the flow and exits 130."""
    emu.flow_seconds = SLOW_FLOW_SECONDS
    _interrupt_on_first_update(monkeypatch)
    result = cli("run", PROMPT_TEMPLATE, "an interrupted chair")
    assert result.exit_code == 130
    (entry,) = emu.ledger
    assert entry.state in ("aborting", "aborted")


def test_an_abort_that_fails_after_ctrl_c_is_said_with_what_to_do(
    cli: Cli, emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The abort after Ctrl-C keeps failing: the CLI says so, not that it is aborting."""
    emu.flow_seconds = SLOW_FLOW_SECONDS
    emu.add_fault("server_error", "update_flow", count=10)
    _interrupt_on_first_update(monkeypatch)
    result = cli("run", PROMPT_TEMPLATE, "a chair nobody stops")
    assert result.exit_code == 130
    (entry,) = emu.ledger
    assert entry.state in ("starting", "running")
    assert f"aborting flow {entry.flow_id} failed" in result.stderr
    assert f"generio flows abort {entry.flow_id}" in result.stderr


def test_interrupted_wait_leaves_the_flow_running(
    cli: Cli, sync_client: Generio, emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C during `flows wait` exits 130 and does not abort a flow it did not create."""
    emu.flow_seconds = SLOW_FLOW_SECONDS
    flow_id = sync_client.flows.create(PROMPT_TEMPLATE, inputs="a patient chair").id
    _interrupt_on_first_update(monkeypatch)
    result = cli("flows", "wait", flow_id)
    assert result.exit_code == 130
    assert f"flow {flow_id} keeps running" in result.stderr
    assert sync_client.flows.get(flow_id).state in ("starting", "running")


def _sigint_while_the_create_waits(
    emu: Emulator, env: dict[str, str], command: list[str]
) -> tuple[int, str, str]:
    """Run ``generio <command>`` with its create's answer held; SIGINT once the flow exists.

    Returns the exit code, stdout and stderr.
    """
    import time

    emu.flow_seconds = SLOW_FLOW_SECONDS
    emu.add_fault("slow", "create_flow", delay=20)  # the flow exists, its answer is held
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, *command],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not emu.ledger:
            assert time.monotonic() < deadline, "the flow was never created"
            time.sleep(0.02)
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    return child.returncode, out, err


@pytest.mark.parametrize("extra", [[], ["--no-wait"]], ids=["run", "no-wait"])
def test_sigint_while_the_create_is_in_flight_aborts_the_flow(
    emu: Emulator, subprocess_env: dict[str, str], tmp_path: Path, extra: list[str]
) -> None:
    """SIGINT while POST /flows awaits its answer: the flow is found by key and aborted."""
    command = ["run", PROMPT_TEMPLATE, "a held chair", "-o", str(tmp_path), *extra]
    code, out, err = _sigint_while_the_create_waits(emu, subprocess_env, command)
    assert code == 130
    (entry,) = emu.ledger
    assert entry.state in ("aborting", "aborted")
    assert f"aborting flow {entry.flow_id}" in err
    assert "Traceback" not in err
    assert out == ""


def test_sigint_during_a_keyed_no_wait_create_keeps_the_flow_and_says_so(
    emu: Emulator, subprocess_env: dict[str, str]
) -> None:
    """`run --no-wait --idempotency-key`: Ctrl-C during the create keeps the flow, and says so.

    As run() does, the keyed flow is kept for the re-run; the CLI used to say "aborting".
    """
    command = ["run", PROMPT_TEMPLATE, "a held chair", "--no-wait", "--idempotency-key", "k-1"]
    code, _, err = _sigint_while_the_create_waits(emu, subprocess_env, command)
    assert code == 130
    (entry,) = emu.ledger
    assert entry.state in ("starting", "running")
    assert f"flow {entry.flow_id} runs on" in err
    assert "aborting" not in err


def test_run_with_an_idempotency_key_reuses_the_flow(cli: Cli, emu: Emulator) -> None:
    """`run --idempotency-key` twice: one flow; the second run collects it again."""
    first = cli("run", PROMPT_TEMPLATE, "a keyed chair", "--idempotency-key", "cli-1", "--json")
    second = cli("run", PROMPT_TEMPLATE, "a keyed chair", "--idempotency-key", "cli-1", "--json")
    assert first.exit_code == second.exit_code == 0
    (entry,) = emu.ledger
    assert entry.flow_id in first.stdout
    assert entry.flow_id in second.stdout
    other = cli("run", PROMPT_TEMPLATE, "another chair", "--idempotency-key", "cli-1")
    assert other.exit_code == 2
    assert "cli-1" in other.stderr
    assert len(emu.ledger) == 1
