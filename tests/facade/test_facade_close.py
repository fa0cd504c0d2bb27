"""Closing a client in use, and the fate of its with_options copies.

``close()``/``aclose()`` while calls run: each fails with ``ClientClosedError``; a ``run()``
names its flow (``generio_flow_id``) and has aborted it (``on_interrupt="abort"``) or kept
it (``"keep"``) before the pools closed. A copy made by ``with_options`` shares its
original's fate: once the original closes, the copy refuses every call, and no socket of
either stays open. Flows are held still with ``emu_clock``; the tests wait for events (a
flow exists), never for time.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from generio import AsyncGenerio, ClientClosedError, Generio
from generio.testing import Emulator
from tests.helpers.clock import EmulatorClock
from tests.helpers.facade import PROMPT_TEMPLATE
from tests.helpers.sockets import client_sockets

HOSTILE = Path(__file__).parent.parent / "reliability" / "hostile_server.py"
#: Generous bound on waiting for an event another thread causes (never reached when fine).
EVENT_SECONDS = 60.0


def _close(client: Any) -> None:
    """Close a client of either kind (an async one through its blocking view)."""
    if hasattr(client, "aclose"):
        client.aclose()
    else:
        client.close()


def _in_thread(act: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["result"] = act()
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, outcome


def _wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + EVENT_SECONDS
    while not condition():
        assert time.monotonic() < deadline, "the awaited event never happened"
        time.sleep(0.01)


def _flow_id(emu: Emulator) -> str:
    _wait_for(lambda: len(emu.ledger) == 1)
    return emu.ledger[0].flow_id


@pytest.mark.parametrize("on_interrupt", ["abort", "keep"])
def test_close_while_run_waits(
    client: Generio,
    emu: Emulator,
    emu_clock: EmulatorClock,
    http: httpx.Client,
    on_interrupt: str,
) -> None:
    """close() during run()'s wait: ClientClosedError naming the flow, aborted or kept."""
    thread, outcome = _in_thread(
        lambda: client.run(PROMPT_TEMPLATE, "a chair", on_interrupt=on_interrupt)  # type: ignore[arg-type]
    )
    flow_id = _flow_id(emu)
    _close(client)
    thread.join(EVENT_SECONDS)
    error = outcome["error"]
    assert isinstance(error, ClientClosedError)
    assert "closed while this call was in flight" in str(error)
    assert error.generio_flow_id == flow_id
    notes = " ".join(error.__notes__)
    state = http.get(f"/flows/{flow_id}").json()["state"]
    if on_interrupt == "abort":
        assert f"flow {flow_id} was aborted" in notes
        assert state in ("aborting", "aborted")
    else:
        assert f"flow {flow_id} was kept running" in notes
        assert state in ("starting", "running")
    with pytest.raises(ClientClosedError):
        client.flows.get(flow_id)


def test_close_while_wait_names_the_flow(
    client: Generio, emu: Emulator, emu_clock: EmulatorClock, http: httpx.Client
) -> None:
    """close() during flows.wait(): ClientClosedError naming the flow, which runs on."""
    flow = client.flows.create(PROMPT_TEMPLATE, inputs="a chair")
    thread, outcome = _in_thread(lambda: client.flows.wait(flow.id))
    _wait_for(client._state.life.busy)  # the wait is in flight
    _close(client)
    thread.join(EVENT_SECONDS)
    error = outcome["error"]
    assert isinstance(error, ClientClosedError)
    assert error.generio_flow_id == flow.id
    assert http.get(f"/flows/{flow.id}").json()["state"] in ("starting", "running")


def test_close_while_runs_of_many_threads_wait(
    sync_client: Generio, emu: Emulator, emu_clock: EmulatorClock, http: httpx.Client
) -> None:
    """Eight runs in threads, one close(): all fail naming their flows, all flows aborted."""
    started = [
        _in_thread(lambda i=i: sync_client.run(PROMPT_TEMPLATE, f"a chair {i}")) for i in range(8)
    ]
    _wait_for(lambda: len(emu.ledger) == 8)
    sync_client.close()
    errors = []
    for thread, outcome in started:
        thread.join(EVENT_SECONDS)
        errors.append(outcome["error"])
    assert all(isinstance(e, ClientClosedError) for e in errors)
    assert sorted(e.generio_flow_id for e in errors) == sorted(e.flow_id for e in emu.ledger)
    states = {http.get(f"/flows/{e.flow_id}").json()["state"] for e in emu.ledger}
    assert states <= {"aborting", "aborted"}


def test_close_ends_a_retry_pause_at_once(client: Generio, emu: Emulator, real_polls: None) -> None:
    """close() while a call waits out a 429's Retry-After: it fails at once, not after it."""
    flow = client.flows.create(PROMPT_TEMPLATE)
    emu.add_fault("rate_limit", "get_flow", count=3, retry_after=30)
    thread, outcome = _in_thread(lambda: client.flows.get(flow.id))
    _wait_for(lambda: any(r.operation == "get_flow" for r in emu.fault_log))  # a 429 came
    began = time.monotonic()
    _close(client)
    thread.join(EVENT_SECONDS)
    # The pause is 30 s; close() used to wait out its 10 s for the call, which slept on.
    assert time.monotonic() - began < 8.0
    error = outcome["error"]
    assert isinstance(error, ClientClosedError)
    assert error.generio_flow_id == flow.id


def test_close_during_a_retry_pause_still_aborts_the_run_s_flow(
    sync_client: Generio,
    emu: Emulator,
    emu_clock: EmulatorClock,
    real_polls: None,
    http: httpx.Client,
) -> None:
    """A run() in a retry pause when closed: cut short, yet its clean-up aborts the flow."""
    emu.add_fault("rate_limit", "get_flow", count=3, retry_after=30)
    thread, outcome = _in_thread(lambda: sync_client.run(PROMPT_TEMPLATE, "a chair"))
    _wait_for(lambda: any(r.operation == "get_flow" for r in emu.fault_log))
    sync_client.close()
    thread.join(EVENT_SECONDS)
    error = outcome["error"]
    assert isinstance(error, ClientClosedError)
    flow_id = emu.ledger[0].flow_id
    assert error.generio_flow_id == flow_id
    assert f"flow {flow_id} was aborted" in " ".join(error.__notes__)
    emu.clear_faults()
    assert http.get(f"/flows/{flow_id}").json()["state"] in ("aborting", "aborted")


def test_aclose_from_another_task_during_run(
    emu: Emulator, emu_clock: EmulatorClock, http: httpx.Client
) -> None:
    """aclose() in a task while run() awaits in another: the run's task gets the error."""

    async def scenario() -> BaseException:
        async with AsyncGenerio(emu.api_key, emu.base_url) as client:
            caught: list[BaseException] = []

            async def run() -> None:
                try:
                    await client.run(PROMPT_TEMPLATE, "a chair")
                except ClientClosedError as exc:
                    caught.append(exc)

            async with anyio.create_task_group() as group:
                group.start_soon(run)
                await anyio.to_thread.run_sync(_flow_id, emu)
                await client.aclose()
            return caught[0]

    error = anyio.run(scenario)
    (entry,) = emu.ledger
    assert error.generio_flow_id == entry.flow_id  # type: ignore[attr-defined]
    assert http.get(f"/flows/{entry.flow_id}").json()["state"] in ("aborting", "aborted")


def test_close_begun_as_on_progress_interrupts_still_aborts(
    sync_client: Generio, emu: Emulator, emu_clock: EmulatorClock, http: httpx.Client
) -> None:
    """Ctrl-C raised in on_progress (a CLI's bar) while close() begins in another thread.

    The run's clean-up starts inside the job, where the driver never saw the interrupt: it
    is still a clean-up (not cut by the close) that aborts the flow, and close() waits for it.
    """

    def on_progress(_flow: object) -> None:
        threading.Thread(target=sync_client.close, daemon=True).start()
        _wait_for(lambda: sync_client._state.life.closing)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt) as caught:
        sync_client.run(PROMPT_TEMPLATE, "a chair", on_progress=on_progress)
    (entry,) = emu.ledger
    assert f"flow {entry.flow_id} was aborted" in " ".join(caught.value.__notes__)
    assert http.get(f"/flows/{entry.flow_id}").json()["state"] in ("aborting", "aborted")


def test_ctrl_c_in_a_request_as_close_begins_stays_a_ctrl_c(
    sync_client: Generio,
    emu: Emulator,
    emu_clock: EmulatorClock,
    http: httpx.Client,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Ctrl-C in a poll while another thread closes the client: the caller gets the Ctrl-C.

    What the closed pools break under a request becomes ClientClosedError; an interrupt is
    the user's, and a program that exits 130 on it must still see it.
    """
    from generio._drivers.sync import SyncDriver

    perform = SyncDriver.perform

    def interrupted(driver: SyncDriver, effect: Any) -> Any:
        if emu.ledger and not driver.state.life.closing:
            threading.Thread(target=sync_client.close, daemon=True).start()
            _wait_for(lambda: driver.state.life.closing)
            raise KeyboardInterrupt
        return perform(driver, effect)

    monkeypatch.setattr(SyncDriver, "perform", interrupted)
    with pytest.raises(KeyboardInterrupt) as caught:
        sync_client.run(PROMPT_TEMPLATE, "a chair")
    (entry,) = emu.ledger
    assert f"flow {entry.flow_id} was aborted" in " ".join(caught.value.__notes__)
    assert http.get(f"/flows/{entry.flow_id}").json()["state"] in ("aborting", "aborted")


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_aclose_begun_as_on_progress_raises_still_aborts(
    emu: Emulator, emu_clock: EmulatorClock, http: httpx.Client, backend: str
) -> None:
    """on_progress raising while aclose() starts in another task: the abort is shielded."""

    class Stop(Exception):
        pass

    async def scenario() -> BaseException:
        client = AsyncGenerio(emu.api_key, emu.base_url)
        async with anyio.create_task_group() as group:

            def on_progress(_flow: object) -> None:
                group.start_soon(client.aclose)  # runs once the run awaits its abort
                raise Stop

            with pytest.raises(Stop) as caught:
                await client.run(PROMPT_TEMPLATE, "a chair", on_progress=on_progress)
        return caught.value

    error = anyio.run(scenario, backend=backend)
    (entry,) = emu.ledger
    assert f"flow {entry.flow_id} was aborted" in " ".join(error.__notes__)
    assert http.get(f"/flows/{entry.flow_id}").json()["state"] in ("aborting", "aborted")


def test_close_stops_a_download_in_flight(
    sync_client: Generio, emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """close() while run() saves: ClientClosedError names the completed flow, no part left."""
    from generio._payload import files as _files

    writing = threading.Event()
    real = _files.open_stream

    class Slow:
        """Writes slowly (and lets the test know), so the close lands mid-download."""

        def __init__(self, fd: int) -> None:
            self._inner = real(fd)

        def write(self, data: bytes) -> int:
            writing.set()
            time.sleep(0.05)
            return self._inner.write(data)

        def __getattr__(self, name: str) -> Any:
            return getattr(self._inner, name)

    monkeypatch.setattr(_files, "open_stream", Slow)
    monkeypatch.setattr("generio._http.bounded.PIECE", 1024)  # many chunks
    out = tmp_path / "out"
    thread, outcome = _in_thread(lambda: sync_client.run(PROMPT_TEMPLATE, "a sofa", out_dir=out))
    assert writing.wait(EVENT_SECONDS)
    sync_client.close()
    thread.join(EVENT_SECONDS)
    error = outcome["error"]
    (entry,) = emu.ledger
    assert isinstance(error, ClientClosedError)
    assert error.generio_flow_id == entry.flow_id
    assert "ended completed" in " ".join(error.__notes__)
    assert list(out.iterdir()) == []


@pytest.fixture(scope="module")
def trickling() -> Iterator[str]:
    """Start the hostile server (its output ``trickle`` sends 16 bytes every 50 ms)."""
    process = subprocess.Popen(
        [sys.executable, str(HOSTILE), "1"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        yield f"http://127.0.0.1:{int(process.stdout.readline())}"
    finally:
        process.kill()
        process.wait()
        if process.stdout is not None:
            process.stdout.close()


def _parts_appear(out: Path) -> Callable[[], bool]:
    return lambda: out.exists() and any(p.name.endswith(".part") for p in out.iterdir())


def test_close_stops_a_trickling_download(trickling: str, tmp_path: Path) -> None:
    """Generio: close() mid-download of an endless trickle ends it at once; no part left."""
    out = tmp_path / "out"
    client = Generio("sk-test-close-0000", trickling)
    thread, outcome = _in_thread(lambda: client.flows.download_outputs("trickle", out))
    _wait_for(_parts_appear(out))
    client.close()
    thread.join(EVENT_SECONDS)
    assert isinstance(outcome["error"], ClientClosedError)
    assert list(out.iterdir()) == []


def test_aclose_stops_a_trickling_download(
    trickling: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AsyncGenerio: aclose() from another task cancels the download; no part left."""
    from generio._drivers import asynchronous

    # Written as it arrives, like any output larger than the async client holds in memory:
    # the part file appearing tells the download is under way.
    monkeypatch.setattr(asynchronous, "HOLD_BYTES", 0)
    out = tmp_path / "out"

    async def scenario() -> list[BaseException]:
        caught: list[BaseException] = []
        client = AsyncGenerio("sk-test-close-0000", trickling)

        async def download() -> None:
            try:
                await client.flows.download_outputs("trickle", out)
            except ClientClosedError as exc:
                caught.append(exc)

        async with anyio.create_task_group() as group:
            group.start_soon(download)
            await anyio.to_thread.run_sync(_wait_for, _parts_appear(out))
            await client.aclose()
        return caught

    assert len(anyio.run(scenario)) == 1
    assert list(out.iterdir()) == []


def _port(emu: Emulator) -> int:
    port = httpx.URL(emu.base_url).port
    assert port is not None
    return port


def test_sync_copies_share_the_originals_fate_and_leak_no_socket(emu: Emulator) -> None:
    """Generio: after the original's close, copies refuse calls; no socket stays open."""
    original = Generio(emu.api_key, emu.base_url)
    copy = original.with_options(timeout=5, max_retries=0)
    grandchild = copy.with_options(headers={"X-Test": "1"})
    for client in (copy, grandchild):
        threads = [_in_thread(client.templates.list)[0] for _ in range(8)]
        for thread in threads:
            thread.join(EVENT_SECONDS)
    assert client_sockets(_port(emu)) > 0
    original.close()
    for client in (copy, grandchild):
        with pytest.raises(ClientClosedError):
            client.templates.list()
        with pytest.raises(ClientClosedError):
            client.low_level.get_httpx_client().get("/templates")
    assert client_sockets(_port(emu)) == 0
    copy.close()
    grandchild.close()
    assert client_sockets(_port(emu)) == 0


def test_async_copies_share_the_originals_fate_and_leak_no_socket(emu: Emulator) -> None:
    """AsyncGenerio: after the original's aclose, copies refuse calls; no socket stays open."""

    async def scenario() -> None:
        original = AsyncGenerio(emu.api_key, emu.base_url)
        copy = original.with_options(timeout=5, max_retries=0)
        grandchild = copy.with_options(headers={"X-Test": "1"})
        async with anyio.create_task_group() as group:
            for client in (copy, grandchild):
                for _ in range(8):
                    group.start_soon(client.templates.list)
        assert client_sockets(_port(emu)) > 0
        await original.aclose()
        for client in (copy, grandchild):
            with pytest.raises(ClientClosedError):
                await client.templates.list()
            with pytest.raises(ClientClosedError):
                await client.low_level.get_async_httpx_client().get("/templates")
        assert client_sockets(_port(emu)) == 0
        await copy.aclose()
        await grandchild.aclose()

    anyio.run(scenario)
    assert client_sockets(_port(emu)) == 0


def test_closing_a_copy_closes_only_the_copy(emu: Emulator) -> None:
    """A copy's close leaves its original working (both kinds); the original's frees all."""
    original = Generio(emu.api_key, emu.base_url)
    copy = original.with_options(max_retries=0)
    copy.templates.list()
    copy.close()
    with pytest.raises(ClientClosedError):
        copy.templates.list()
    assert original.templates.list()
    original.close()

    async def scenario() -> None:
        aoriginal = AsyncGenerio(emu.api_key, emu.base_url)
        acopy = aoriginal.with_options(max_retries=0)
        await acopy.templates.list()
        await acopy.aclose()
        with pytest.raises(ClientClosedError):
            await acopy.templates.list()
        assert await aoriginal.templates.list()
        await aoriginal.aclose()

    anyio.run(scenario)
    assert client_sockets(_port(emu)) == 0


def test_an_abort_refused_as_the_flow_is_already_aborted_says_aborted(
    sync_client: Generio, emu: Emulator, emu_clock: EmulatorClock, http: httpx.Client
) -> None:
    """The clean-up's abort answered 409 as the flow is aborted already: it says aborted.

    As after a first attempt whose answer a second cancellation cut: not "aborting failed".
    """

    def on_progress(flow: Any) -> None:
        assert http.patch(f"/flows/{flow.id}", json={"action": "abort"}).is_success
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt) as caught:
        sync_client.run(PROMPT_TEMPLATE, "a chair", on_progress=on_progress)
    (entry,) = emu.ledger
    notes = " ".join(caught.value.__notes__)
    assert f"flow {entry.flow_id} was aborted" in notes, notes
    assert caught.value._generio_fate is None  # type: ignore[attr-defined]
