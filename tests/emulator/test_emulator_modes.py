"""Ways to run the emulator: context manager, start/stop, child process, fixture, shell."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from generio.testing import Emulator, Fault

ROOT = Path(__file__).resolve().parents[2]
PROMPT = {"template": "model_generate_fromprompt", "inputs": [{"data": "a chair"}]}


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _refused(base_url: str) -> bool:
    try:
        httpx.get(f"{base_url}/templates", timeout=2)
    except httpx.ConnectError:
        return True
    return False


def test_context_manager_serves_on_loopback_and_stops() -> None:
    """`with Emulator()` serves on 127.0.0.1 with a random key and stops on exit."""
    with Emulator(flow_seconds=0.2) as first, Emulator(flow_seconds=0.2) as second:
        assert first.base_url.startswith("http://127.0.0.1:")
        assert first.base_url != second.base_url
        assert first.api_key != second.api_key
        response = httpx.get(f"{first.base_url}/templates", headers=_auth(first.api_key))
        assert response.status_code == 200
        url = first.base_url
    assert _refused(url)
    assert not first.running


def test_it_stops_when_the_block_raises() -> None:
    """An exception inside the block still stops the server, and propagates."""
    emulator = Emulator(api_key="given-key")
    urls: list[str] = []

    def fail_inside() -> None:
        with emulator:
            urls.append(emulator.base_url)
            assert emulator.api_key == "given-key"
            raise KeyError("boom")

    with pytest.raises(KeyError):
        fail_inside()
    assert _refused(urls[0])


def test_start_and_stop_by_hand() -> None:
    """start() returns the running emulator, stop() is idempotent, base_url needs it running."""
    emulator = Emulator()
    with pytest.raises(RuntimeError, match="not running"):
        _ = emulator.base_url
    assert emulator.start() is emulator
    with pytest.raises(RuntimeError, match="already running"):
        emulator.start()
    url = emulator.base_url
    emulator.stop()
    emulator.stop()
    assert _refused(url)
    assert repr(emulator) == "Emulator(stopped, process=False)"


def test_a_fixed_port() -> None:
    """A given port is used as is."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with Emulator(port=port) as emulator:
        assert emulator.base_url == f"http://127.0.0.1:{port}"


def test_held_back_responses_do_not_delay_stop() -> None:
    """Stopping while a slow fault holds a response back is quick, not the fault's delay."""
    emulator = Emulator(faults=[Fault("slow", delay=3600)]).start()
    with httpx.Client(base_url=emulator.base_url, headers=_auth(emulator.api_key)) as http:
        with pytest.raises(httpx.ReadTimeout):
            http.get("/templates", timeout=0.2)
        # The held answer is due in an hour: a stop that waited for it would still be
        # running at the join's deadline, however slow or loaded the machine.
        stopper = threading.Thread(target=emulator.stop, daemon=True)
        stopper.start()
        stopper.join(timeout=120)
    assert not stopper.is_alive()
    assert not emulator.running


def test_child_process_mode_offers_the_same_api() -> None:
    """process=True serves from a child process; faults, ledger and reset work the same."""
    with Emulator(process=True, flow_seconds=0.1, seed=3) as emulator:
        assert "process=True" in repr(emulator)
        with httpx.Client(base_url=emulator.base_url, headers=_auth(emulator.api_key)) as http:
            flow = http.post("/flows", json=PROMPT).json()
            emulator.add_fault("server_error", "get_flow", count=1)
            assert emulator.faults == [Fault("server_error", "get_flow", count=1)]
            assert http.get(f"/flows/{flow['flow_id']}").status_code == 500
            (record,) = emulator.fault_log
            assert record.operation == "get_flow"
            time.sleep(0.15)
            (entry,) = emulator.ledger
            assert entry.flow_id == flow["flow_id"]
            assert entry.completed_at is not None
            emulator.flow_seconds = 2.5
            assert emulator.flow_seconds == 2.5
            emulator.clear_faults()
            emulator.reset()
            assert emulator.ledger == []
            assert emulator.fault_log == []
            assert emulator.flow_seconds == 0.1
            assert http.get("/flows").json() == {"flows": []}
        url = emulator.base_url
    assert _refused(url)


def test_the_fixture_gives_a_fresh_fast_emulator(generio_emulator: Emulator) -> None:
    """The plugin's fixture is running, fault-free, empty and quick."""
    assert generio_emulator.running
    assert generio_emulator.faults == []
    assert generio_emulator.ledger == []
    assert generio_emulator.flow_seconds <= 0.5


def test_the_fixture_resets_what_the_previous_test_left(pytester: pytest.Pytester) -> None:
    """Faults, flows and flow_seconds one test leaves on the session emulator do not leak.

    Both tests run in one inner pytest session, the dirty one first, so the check does not
    depend on which test of this suite happened to run before it.
    """
    pytester.makepyfile(
        """
        import httpx

        def test_dirty(generio_emulator):
            generio_emulator.add_fault("server_error", "get_flow")
            generio_emulator.flow_seconds = 30
            answer = httpx.post(
                generio_emulator.base_url + "/flows",
                json={"template": "model_generate_fromprompt", "inputs": [{"data": "x"}]},
                headers={"Authorization": "Bearer " + generio_emulator.api_key},
            )
            assert answer.status_code == 200
            assert len(generio_emulator.ledger) == 1

        def test_clean(generio_emulator):
            assert generio_emulator.faults == []
            assert generio_emulator.ledger == []
            assert generio_emulator.flow_seconds == 0.1
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-W", "error")
    result.assert_outcomes(passed=2)


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )


def test_importing_generio_and_the_plugin_loads_no_server() -> None:
    """Importing generio, generio.testing and the pytest plugin loads no fastapi or uvicorn."""
    result = _python(
        "import sys, generio, generio.testing, generio.testing._pytest_plugin\n"
        "print([m for m in ('fastapi', 'uvicorn', 'starlette') if m in sys.modules])"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_spec_is_served_as_committed(generio_emulator: Emulator) -> None:
    """GET /openapi.json returns the committed file byte for byte, without a key."""
    response = httpx.get(f"{generio_emulator.base_url}/openapi.json")
    assert response.status_code == 200
    assert response.content == (ROOT / "openapi.json").read_bytes()


def test_unknown_paths_are_fastapis_404(generio_emulator: Emulator) -> None:
    """Paths outside the spec answer FastAPI's plain 404."""
    response = httpx.get(f"{generio_emulator.base_url}/nowhere")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_the_shell_command_serves_until_ctrl_c(tmp_path: Path) -> None:
    """`generio emulator --port --api-key --flow-seconds` serves, and Ctrl-C stops it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "generio", "emulator", "--port", str(port)]
    command += ["--api-key", "KEY", "--flow-seconds", "0.1"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        assert f"http://127.0.0.1:{port}" in banner
        assert "KEY" not in banner
        url = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=url, headers=_auth("KEY")) as http:
            flow = http.post("/flows", json=PROMPT).json()
            time.sleep(0.15)
            assert http.get(f"/flows/{flow['flow_id']}").json()["state"] == "completed"
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def test_the_shell_command_prints_a_generated_key() -> None:
    """Without --api-key the command prints the key it generated, and rejects bad faults."""
    result = subprocess.run(
        [sys.executable, "-m", "generio", "emulator", "--port", "0", "--fault", "earthquake"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 2
    assert "unknown fault kind" in result.stdout + result.stderr


def test_version_and_missing_typer_hint() -> None:
    """`generio --version` works; without typer the command prints a one-line hint, exit 2."""
    version = subprocess.run(
        [sys.executable, "-m", "generio", "--version"], capture_output=True, text=True, check=False
    )
    assert version.returncode == 0
    assert version.stdout.startswith("generio ")
    result = _python(
        "import sys; sys.modules['typer'] = None\n"
        "from generio.__main__ import main\n"
        "print('version', main(['--version']))\n"
        "sys.exit(main(['emulator']))"
    )
    assert result.returncode == 2
    assert "version 0" in result.stdout
    assert "pip install 'generio[cli]'" in result.stderr
    assert "pip install '.[cli]'" in result.stderr
    assert "-py3-none-any.whl[cli]'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_busy_port_is_reported(tmp_path: Path) -> None:
    """The shell command says so on stderr, and exits 1, when its port is taken."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "GENERIO_EMULATOR_API_KEY": "k"}
        result = subprocess.run(
            [sys.executable, "-m", "generio", "emulator", "--port", str(port)],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
            env=env,
            cwd=tmp_path,
        )
    assert result.returncode == 1
    assert "cannot listen" in result.stderr
    assert result.stdout == ""


def test_child_reports_its_address_as_json() -> None:
    """The child-process entry point prints its base URL as one JSON line, then serves."""
    config = {
        "api_key": "k",
        "flow_seconds": 0.1,
        "seed": None,
        "faults": [],
        "host": "127.0.0.1",
        "port": 0,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "generio.testing._child"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None
    assert process.stdout is not None
    process.stdin.write(json.dumps(config) + "\n")
    process.stdin.flush()
    base_url = json.loads(process.stdout.readline())["base_url"]
    assert httpx.get(f"{base_url}/templates", headers=_auth("k")).status_code == 200
    process.stdin.close()  # the parent going away stops the child
    assert process.wait(timeout=15) == 0
    process.stdout.close()
