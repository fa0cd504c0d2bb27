"""Nothing created is left running unreported: run() interrupted at any step aborts its flow.

Interruptions: ``KeyboardInterrupt`` (sync), task cancellation (async), an exception from
``on_progress``, and a real SIGINT to a child process running many run() calls at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from generio import AsyncGenerio, Generio
from generio._drivers.asynchronous import AsyncDriver
from generio._drivers.sync import SyncDriver
from generio._jobs.effects import Call, Effect, Sleep
from generio.testing import Emulator, LedgerEntry
from tests.helpers.clock import EmulatorClock

PROMPT = "model_generate_fromprompt"
CHILD = Path(__file__).with_name("interrupt_child.py")
STOPPED = ("aborting", "aborted")

Trigger = Callable[[Effect], bool]


def _call(method: str, path_start: str, path_end: str = "") -> Trigger:
    def matches(effect: Effect) -> bool:
        return (
            isinstance(effect, Call)
            and effect.op.method == method
            and effect.op.path.startswith(path_start)
            and effect.op.path.endswith(path_end)
            and (path_end or effect.op.path.count("/") == path_start.count("/"))
        )

    return matches


def _sleep(effect: Effect) -> bool:
    return isinstance(effect, Sleep)


# (name, which effect, interrupt after performing it (its answer lost) or before it)
STEPS: list[tuple[str, Trigger, bool]] = [
    ("template-before", _call("GET", "/templates/"), False),
    ("template-after", _call("GET", "/templates/"), True),
    ("create-before", _call("POST", "/flows"), False),
    ("create-in-flight", _call("POST", "/flows"), True),
    ("poll", _call("GET", "/flows/"), True),
    ("pause", _sleep, False),
    ("outputs", _call("GET", "/flows/", "/outputs"), True),
]


def _check(entries: list[LedgerEntry], error: BaseException, step: str) -> None:
    """Check that the run's flow (if any) stopped or finished, and the error says which."""
    flow_id = getattr(error, "generio_flow_id", "missing")
    notes = " ".join(getattr(error, "__notes__", []))
    if step.startswith(("template", "create-before")):
        assert entries == []
        assert flow_id is None
        assert "no flow" in notes
        return
    (entry,) = entries
    assert flow_id == entry.flow_id
    if step == "outputs":
        assert entry.state == "completed"
        assert "ended completed" in notes
    else:
        assert entry.state in STOPPED
        assert f"flow {entry.flow_id} was aborted" in notes


@pytest.fixture
def slowish(emu: Emulator, request: pytest.FixtureRequest) -> Emulator:
    """Flows that outlast the test when it must catch them running, short ones otherwise.

    Only the ``outputs`` step needs the flow to finish; every other step interrupts a flow
    that must still be running when the abort arrives, however slow the machine: an hour.
    """
    step = request.node.callspec.params.get("step")
    emu.flow_seconds = 0.2 if step == "outputs" else 3600.0
    return emu


@pytest.mark.parametrize(("step", "trigger", "after"), STEPS, ids=[s[0] for s in STEPS])
def test_keyboard_interrupt_at_every_step(
    slowish: Emulator,
    monkeypatch: pytest.MonkeyPatch,
    step: str,
    trigger: Trigger,
    after: bool,
) -> None:
    """Ctrl-C at each step of a blocking run(): its flow is aborted, the error names it."""
    fired: list[bool] = []
    real = SyncDriver.perform

    def perform(self: SyncDriver, effect: Effect) -> Any:
        if fired or not trigger(effect):
            return real(self, effect)
        fired.append(True)
        if after:
            real(self, effect)
        raise KeyboardInterrupt

    monkeypatch.setattr(SyncDriver, "perform", perform)
    with (
        Generio(slowish.api_key, slowish.base_url) as client,
        pytest.raises(KeyboardInterrupt) as caught,
    ):
        client.run(PROMPT, "a stoppable chair")
    assert fired
    _check(slowish.ledger, caught.value, step)


@pytest.mark.parametrize(("step", "trigger", "after"), STEPS, ids=[s[0] for s in STEPS])
def test_task_cancelled_at_every_step(
    slowish: Emulator,
    monkeypatch: pytest.MonkeyPatch,
    step: str,
    trigger: Trigger,
    after: bool,
) -> None:
    """A task cancelled at each step of an async run(): its flow is aborted, shielded."""
    real = AsyncDriver._perform_now
    reached: list[anyio.Event] = []

    async def perform_now(self: AsyncDriver, effect: Effect) -> Any:
        if not reached or reached[0].is_set() or not trigger(effect):
            return await real(self, effect)
        if after:
            await real(self, effect)
        reached[0].set()
        await anyio.sleep_forever()  # where the cancellation lands
        return None

    monkeypatch.setattr(AsyncDriver, "_perform_now", perform_now)
    caught: list[BaseException] = []

    async def main() -> None:
        reached.append(anyio.Event())
        async with (
            AsyncGenerio(slowish.api_key, slowish.base_url) as client,
            anyio.create_task_group() as group,
        ):

            async def go() -> None:
                try:
                    await client.run(PROMPT, "a cancellable chair")
                except BaseException as exc:
                    caught.append(exc)
                    raise

            group.start_soon(go)
            await reached[0].wait()
            group.cancel_scope.cancel()

    anyio.run(main)
    (error,) = caught
    assert isinstance(error, asyncio.CancelledError)
    _check(slowish.ledger, error, step)


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_callback_that_raises_aborts_the_flow(emu: Emulator, kind: str) -> None:
    """An exception from on_progress comes out as it was, and the flow is aborted."""
    from tests.helpers.facade import either_client

    emu.flow_seconds = 30

    def on_progress(_flow: object) -> None:
        raise ValueError("my callback broke")

    with either_client(kind, emu) as client, pytest.raises(ValueError, match="broke") as caught:
        client.run(PROMPT, "a fragile chair", on_progress=on_progress)
    (entry,) = emu.ledger
    assert entry.state in STOPPED
    assert caught.value.generio_flow_id == entry.flow_id  # type: ignore[attr-defined]
    assert "aborted" in caught.value.__notes__[0]


def test_keep_leaves_the_flow_for_a_keyed_rerun(emu: Emulator) -> None:
    """on_interrupt="keep": the flow runs on, the note names it; a keyed re-run collects it."""
    emu.flow_seconds = 1.0

    def on_progress(_flow: object) -> None:
        raise KeyboardInterrupt

    with Generio(emu.api_key, emu.base_url) as client:
        with pytest.raises(KeyboardInterrupt) as caught:
            client.run(
                PROMPT,
                "a kept chair",
                idempotency_key="keep-me",
                on_interrupt="keep",
                on_progress=on_progress,
            )
        flow_id = caught.value.generio_flow_id  # type: ignore[attr-defined]
        assert client.flows.get(flow_id).state in ("starting", "running")
        assert "kept running" in caught.value.__notes__[0]
        assert "keep-me" in caught.value.__notes__[0]
        again = client.run(PROMPT, "a kept chair", idempotency_key="keep-me")
    assert again.flow.id == flow_id
    assert again.flow.state == "completed"
    assert len(emu.ledger) == 1


def test_threads_whose_callbacks_raise_each_abort_their_flow(emu: Emulator) -> None:
    """Eight threads sharing a client, all interrupted together: every flow is aborted."""
    emu.flow_seconds = 30
    stop = threading.Event()
    errors: list[BaseException] = []
    with Generio(emu.api_key, emu.base_url) as client:

        def on_progress(_flow: object) -> None:
            if stop.is_set():
                raise KeyboardInterrupt

        def one(i: int) -> None:
            try:
                client.run(PROMPT, f"a threaded chair {i}", on_progress=on_progress)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        _until(lambda: len(emu.ledger) == 8)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert len(errors) == 8
    assert [e.state for e in emu.ledger] == [e.state for e in emu.ledger if e.state in STOPPED]
    assert {getattr(e, "generio_flow_id", None) for e in errors} == {e.flow_id for e in emu.ledger}


def _until(condition: Callable[[], bool], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the condition"
        time.sleep(0.02)


@pytest.fixture
def child_env(emu: Emulator) -> dict[str, str]:
    """Build the environment of a child process aimed at the emulator."""
    return {
        **os.environ,
        "GENERIO_API_KEY": emu.api_key,
        "GENERIO_BASE_URL": emu.base_url,
        "PYTHONUNBUFFERED": "1",
    }


@contextlib.contextmanager
def _child(env: dict[str, str], *args: str) -> Iterator[subprocess.Popen[str]]:
    child = subprocess.Popen(
        [sys.executable, str(CHILD), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield child
    finally:
        if child.poll() is None:
            child.kill()
        child.communicate()


@pytest.mark.parametrize("mode", ["gather", "taskgroup", "run_many", "sync_run_many"])
def test_sigint_while_many_runs_wait(emu: Emulator, child_env: dict[str, str], mode: str) -> None:
    """A real SIGINT to a process with eight run() calls waiting: all eight flows aborted."""
    emu.flow_seconds = 60
    with _child(child_env, mode, "8") as child:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "waiting"
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=60)
    assert child.returncode == 130, err
    assert len(emu.ledger) == 8
    assert [e.state for e in emu.ledger if e.state not in STOPPED] == []


def test_sigint_while_many_creates_are_in_flight(emu: Emulator, child_env: dict[str, str]) -> None:
    """SIGINT while eight POST /flows are in flight: each flow is found by its key, aborted."""
    emu.flow_seconds = 60
    emu.add_fault("slow", "create_flow", delay=20)  # the flow exists; its answer is held
    with _child(child_env, "gather", "8") as child:
        _until(lambda: len(emu.ledger) == 8)
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=60)
    assert child.returncode == 130, err
    assert len(emu.ledger) == 8
    assert [e.state for e in emu.ledger if e.state not in STOPPED] == []


def test_second_process_picks_up_the_flow_of_a_killed_one(
    emu: Emulator, emu_clock: EmulatorClock, child_env: dict[str, str]
) -> None:
    """A process killed mid-run; another with the same key collects that flow: one flow."""
    emu.flow_seconds = 1.5  # of the emulator's frozen clock: the flow waits for the kill
    with _child(child_env, "keyed", "1", "resume-7") as child:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "waiting"
        child.kill()  # SIGKILL: no clean-up at all
    (entry,) = emu.ledger
    assert entry.state in ("starting", "running")
    emu_clock.advance(1.5)
    with Generio(emu.api_key, emu.base_url) as client:
        result = client.run(PROMPT, "a resumable chair", idempotency_key="resume-7")
    assert result.flow.id == entry.flow_id
    assert result.flow.state == "completed"
    assert len(emu.ledger) == 1
