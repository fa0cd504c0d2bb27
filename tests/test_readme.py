"""The README's examples run as written against the emulator: Python blocks and shell blocks."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from generio.testing import Emulator, sample_png

README = Path(__file__).parent.parent / "README.md"
TEXT = README.read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", TEXT, flags=re.DOTALL)
#: ```shell blocks are what a user pastes; ```console blocks are set-up (CI runs those).
SHELL_BLOCKS = re.findall(r"```shell\n(.*?)```", TEXT, flags=re.DOTALL)
#: The port the README's emulator listens on.
README_PORT = 8765

_ID = r"[0-9a-f]{24}"
_FILE = r"models/[\w.-]+\.glb"
_GLB = rf"PosixPath\('{_FILE}'\)"
_RUN = (
    rf"RunResult\(flow=Flow\(id='{_ID}', template='model_generate_fromprompt', "
    r"state='completed'[^\n]*\)"
)
_STEPS = rf"\['{_ID}', '{_ID}'\] [1-9]\d* bytes"
#: What each ```python block prints, as a regex its whole stdout must match; the key is a
#: snippet found in exactly that block. A new block needs a row here.
EXPECTED: dict[str, str] = {
    'out_dir="models")\n    print(result.flow.state, result.paths)': rf"completed \({_GLB},\)",
    'Path("chair.png").write_bytes': (rf"model/gltf-binary [1-9]\d*\n\({_GLB},\)\n\{{'sku': 7\}}"),
    "client.templates.get(": (
        r"\('text/plain',\) \['quality', 'seed', 'texture'\]\n"
        rf"((starting|running) \d+%\n)*completed 100%\n\[{_GLB}\]"
    ),
    "sink = io.BytesIO()": (
        rf"{_FILE} model/gltf-binary [1-9]\d*\nchair\.glb {_FILE}\nchair-copy\.glb\n"
        r"model/gltf-binary\nTrue\n\[\('model/gltf-binary', False\)\]"
    ),
    "StreamingResponse(": r"",  # the web recipe defines an app; tests/facade serves it
    "progress_interval=0.5": r"((starting|running) \d+%\n)*completed 100%",
    "on_progress=show": (
        r"(\d done, 0 failed, \d running\n)*6 done, 0 failed, 0 running\n"
        rf"({_STEPS}\n){{5}}{_STEPS}"
    ),
    "client.iter_run_many(": rf"([0-3] {_RUN}\n){{3}}[0-3] {_RUN}",
    "# keyed: Ctrl-C keeps their flows": r"2 of 2 done",
    "client.with_options(": r"3 templates",
    "model.to_trimesh()": r"[1-9]\d* triangles; watertight: (True|False)",
    "print(exc.status_code, exc.detail, exc.request_id)": (
        r"404 Flow '0123456789abcdef01234567' not found None"
    ),
    'idempotency_key="order-1234"': r"True\nTrue",
    "except OutputSaveError as exc:": r"saved 1",
    "max_response_bytes=": r"Generio\(base_url='http://127\.0\.0\.1:\d+'\)",
    "list_flows.sync(": r"0 flows",  # the test's emulator starts empty
    "list_templates.sync(": (
        r"\['model_generate_fromprompt', 'model_generate_fromimage', 'model_optimize'\]"
    ),
    'emu.add_fault("lost_response", "create_flow", count=1)': r"completed 1",
    "import respx": r"completed 404 Flow not found",
}


def _expected(code: str) -> str:
    """Return the regex a block's output must match (exactly one row of EXPECTED fits)."""
    rows = [pattern for key, pattern in EXPECTED.items() if key in code]
    assert len(rows) == 1, f"give this README block one row in EXPECTED:\n{code}"
    return rows[0]


def test_readme_has_examples() -> None:
    """The README shows the facade, async, errors, low-level and emulator examples."""
    assert len(BLOCKS) >= 8


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_example_runs(code: str, tmp_path: Path, generio_emulator: Emulator) -> None:
    """Each ```python block runs in a fresh interpreter, with the env the README describes."""
    env = {
        **os.environ,
        "GENERIO_API_KEY": generio_emulator.api_key,
        "GENERIO_BASE_URL": generio_emulator.base_url,
    }
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(_expected(code), done.stdout.strip()), done.stdout
    assert generio_emulator.api_key not in done.stdout + done.stderr


def test_every_expected_output_belongs_to_one_block() -> None:
    """Each row of EXPECTED names a snippet found in exactly one README block."""
    for key in EXPECTED:
        assert sum(key in block for block in BLOCKS) == 1, key


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _shell_env() -> dict[str, str]:
    """Build the user's shell: generio on PATH, no GENERIO_* settings until the README sets them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GENERIO_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def test_readme_has_shell_blocks() -> None:
    """The CLI section is three ```shell blocks: the emulator, the settings, the commands."""
    assert len(SHELL_BLOCKS) == 3
    assert SHELL_BLOCKS[0].strip().startswith("generio emulator ")
    assert SHELL_BLOCKS[1].strip().startswith("export GENERIO_BASE_URL=")
    assert "|" not in SHELL_BLOCKS[2].replace("||", "")  # no `get|start|abort` pipes


def _start_readme_emulator(
    cwd: Path, env: dict[str, str]
) -> tuple[subprocess.Popen[str], list[str]]:
    """Start the README's emulator line; on a port another process holds, a free one."""
    blocks = list(SHELL_BLOCKS)
    for _attempt in range(3):
        server = subprocess.Popen(
            ["bash", "-c", f"exec {blocks[0].strip()}"],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert server.stdout is not None
        ready = server.stdout.readline()
        if "GENERIO emulator serving http://127.0.0.1:" in ready:
            return server, blocks
        _, err = server.communicate(timeout=30)
        assert "cannot listen" in err, err  # the only reason to try again
        port = str(_free_port())
        blocks = [b.replace(str(README_PORT), port) for b in SHELL_BLOCKS]
    raise AssertionError("no free port for the README's emulator")


def _run_cli_lines(blocks: list[str], cwd: Path, env: dict[str, str]) -> None:
    """Run the README's CLI lines as written, in three scripts around the abort.

    ``run --no-wait`` then ``flows abort`` only works while the flow still runs: the README's
    emulator makes 2-second flows, which a loaded machine can outlast between the two
    commands. So that flow alone is made long (through the emulator's admin API, as the
    test sets it up), and the lines before and after it run exactly as written.
    """
    lines = blocks[2].splitlines(keepends=True)
    (start,) = [i for i, line in enumerate(lines) if "--no-wait" in line]
    assert "flows abort" in lines[start + 1]
    base_url = re.search(r"GENERIO_BASE_URL=(\S+)", blocks[1])
    key = re.search(r"GENERIO_API_KEY=(\S+)", blocks[1])
    assert base_url
    assert key
    admin = httpx.Client(
        base_url=f"{base_url[1]}/_emulator", headers={"Authorization": f"Bearer {key[1]}"}
    )
    with admin:
        seconds = admin.get("/config").json()["flow_seconds"]
        for part, flow_seconds in (
            (lines[:start], seconds),
            (lines[start : start + 2], 3600.0),
            (lines[start + 2 :], seconds),
        ):
            admin.put("/config", json={"flow_seconds": flow_seconds}).raise_for_status()
            done = subprocess.run(
                ["bash", "-c", "set -euo pipefail\n" + blocks[1] + "".join(part)],
                cwd=cwd,
                env=env,
                capture_output=True,
                text=True,
                timeout=240,
                check=False,
            )
            assert done.returncode == 0, done.stderr
            assert "Traceback" not in done.stderr


@pytest.mark.skipif(shutil.which("bash") is None, reason="the README's shell is bash")
def test_readme_shell_blocks_run(tmp_path: Path) -> None:
    """The README's emulator line serves; its CLI lines then run as written, one shell script.

    The emulator is started exactly as written; only when another process already holds its
    port is the port number swapped for a free one in every block.
    """
    (tmp_path / "photo.png").write_bytes(sample_png(16, 16))  # "any PNG or JPEG of yours"
    env = _shell_env()
    server, blocks = _start_readme_emulator(tmp_path, env)
    try:
        _run_cli_lines(blocks, tmp_path, env)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            _, log = server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            _, log = server.communicate()
    assert server.returncode == 0
    # One line per request on the emulator's stderr, e.g. "12:00:01 POST /flows 200 3 ms".
    assert re.search(r"^\d\d:\d\d:\d\d POST /flows 200 \d+ ms$", log, flags=re.MULTILINE), log
    assert re.search(r"^\d\d:\d\d:\d\d PATCH /flows/\w+ 200 ", log, flags=re.MULTILINE)
    assert "KEY" not in log
    assert len(list((tmp_path / "models").glob("*.glb"))) == 4  # three runs and one download
    assert sorted(p.name for p in (tmp_path / "generio-demo").glob("*.glb")) == [
        "chair-from-image.glb",
        "chair-optimised.glb",
        "chair.glb",
    ]


def test_readme_respx_recipe_runs_without_the_emulator(tmp_path: Path) -> None:
    """The respx recipe needs no server: its mocked flow and typed 404 come from respx."""
    (code,) = [block for block in BLOCKS if "import respx" in block]
    env = {k: v for k, v in os.environ.items() if not k.startswith("GENERIO_")}
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["completed", "404", "Flow", "not", "found"]
