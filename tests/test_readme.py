"""The README's examples run as written against the emulator: Python blocks and shell blocks."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from generio.testing import Emulator, sample_glb, sample_png
from tests.helpers.blocks import BlockRunner

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
def test_readme_example_runs(
    code: str, tmp_path: Path, generio_emulator: Emulator, block_runner: BlockRunner
) -> None:
    """Each ```python block runs as `python -c` would, with the env the README describes."""
    env = {
        **os.environ,
        "GENERIO_API_KEY": generio_emulator.api_key,
        "GENERIO_BASE_URL": generio_emulator.base_url,
    }
    done = block_runner.run(code, cwd=tmp_path, env=env, timeout=120)
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


#: The commands block in paragraphs (blank lines apart): each runs as one script, in a test
#: of its own, so the parallel workers share them out.
PARAGRAPHS = [p.strip("\n") + "\n" for p in SHELL_BLOCKS[2].split("\n\n") if p.strip()]
#: Flows of the README's emulator while the tests run (its --flow-seconds 2 only makes the
#: lines wait longer); the abort paragraph's flow is made to last an hour instead.
TEST_FLOW_SECONDS = 0.2


class ReadmeEmulator:
    """The README's emulator line, run as written, with its one-line-per-request log kept."""

    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        self.blocks = list(SHELL_BLOCKS)
        self.log: list[str] = []
        for _attempt in range(3):
            self.server = subprocess.Popen(
                ["bash", "-c", f"exec {self.blocks[0].strip()}"],
                cwd=cwd,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            assert self.server.stdout is not None
            ready = self.server.stdout.readline()
            if "GENERIO emulator serving http://127.0.0.1:" in ready:
                break
            _, err = self.server.communicate(timeout=30)
            assert "cannot listen" in err, err  # the only reason to try again
            port = str(_free_port())
            self.blocks = [b.replace(str(README_PORT), port) for b in SHELL_BLOCKS]
        else:
            raise AssertionError("no free port for the README's emulator")
        self._reader = threading.Thread(target=self._read_log, daemon=True)
        self._reader.start()
        base_url = re.search(r"GENERIO_BASE_URL=(\S+)", self.blocks[1])
        key = re.search(r"GENERIO_API_KEY=(\S+)", self.blocks[1])
        assert base_url
        assert key
        self.admin = httpx.Client(
            base_url=f"{base_url[1]}/_emulator", headers={"Authorization": f"Bearer {key[1]}"}
        )

    def _read_log(self) -> None:
        assert self.server.stderr is not None
        for line in self.server.stderr:
            self.log.append(line.rstrip("\n"))

    def set_flow_seconds(self, seconds: float) -> None:
        """Make the flows started from now on last ``seconds`` (the emulator's admin API)."""
        self.admin.put("/config", json={"flow_seconds": seconds}).raise_for_status()

    def stop(self) -> None:
        """Ctrl-C, as a user stops it."""
        self.admin.close()
        self.server.send_signal(signal.SIGINT)
        try:
            self.server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.server.kill()
            self.server.wait()
        self._reader.join(timeout=10)
        for pipe in (self.server.stdout, self.server.stderr):
            if pipe is not None:
                pipe.close()


@pytest.fixture(scope="module")
def readme_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReadmeEmulator]:
    """Start the README's emulator line (per worker); on a port another holds, a free one."""
    if shutil.which("bash") is None:
        pytest.skip("the README's shell is bash")
    emulator = ReadmeEmulator(tmp_path_factory.mktemp("readme-emulator"), _shell_env())
    yield emulator
    emulator.stop()
    assert emulator.server.returncode == 0


def _run_script(emulator: ReadmeEmulator, lines: str, cwd: Path) -> None:
    """Run lines after the README's settings block, as one bash script; it must succeed."""
    done = subprocess.run(
        ["bash", "-c", "set -euo pipefail\n" + emulator.blocks[1] + lines],
        cwd=cwd,
        env=_shell_env(),
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr


def _glbs(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.glb"))


def _check_runs(cwd: Path, log: list[str]) -> None:
    assert len(_glbs(cwd / "models")) == 1 + 2  # the folder's model, and one per run


def _check_steps(cwd: Path, log: list[str]) -> None:
    assert len(_glbs(cwd / "models")) == 1 + 1  # the folder's model, and the download
    assert any(re.fullmatch(r"\d\d:\d\d:\d\d POST /flows 200 \d+ ms", line) for line in log), log
    assert any(re.match(r"\d\d:\d\d:\d\d PATCH /flows/\w+ 200 ", line) for line in log), log


def _check_prompt_file(cwd: Path, log: list[str]) -> None:
    assert len(_glbs(cwd / "models")) == 1 + 1  # the folder's model, and the prompt file's run


def _check_demo(cwd: Path, log: list[str]) -> None:
    assert _glbs(cwd / "generio-demo") == [
        "chair-from-image.glb",
        "chair-optimised.glb",
        "chair.glb",
    ]
    assert (cwd / "generio-demo" / "index.html").is_file()
    assert "<model-viewer" in (cwd / "models.html").read_text()


def _check_batch(cwd: Path, log: list[str]) -> None:
    rows = (cwd / "catalogue" / "summary.csv").read_text().splitlines()
    assert len(rows) == 1 + 2, rows  # a header and one row per job


#: What a paragraph leaves behind, beyond succeeding: found by a snippet of the paragraph.
CHECKS: dict[str, Callable[[Path, list[str]], None]] = {
    'generio run model_generate_fromprompt "a wooden chair"': _check_runs,
    "generio flows download": _check_steps,
    "prompt.txt -o models": _check_prompt_file,
    "generio demo": _check_demo,
    "generio batch": _check_batch,
}


def _fast_demo(lines: str) -> str:
    """Append ``--flow-seconds`` to ``generio demo`` lines: its own emulator's flows take 3 s."""
    return re.sub(
        r"^(generio demo\b[^#\n]*?)(\s*#.*)?$",
        rf"\1 --flow-seconds {TEST_FLOW_SECONDS}\2",
        lines,
        flags=re.MULTILINE,
    )


def test_readme_shell_paragraphs_are_checked() -> None:
    """The commands block has several paragraphs, and every check names one of them."""
    assert len(PARAGRAPHS) >= 4
    assert "".join(PARAGRAPHS).splitlines() == [
        line for line in SHELL_BLOCKS[2].splitlines() if line.strip()
    ]
    for snippet in CHECKS:
        assert sum(snippet in paragraph for paragraph in PARAGRAPHS) == 1, snippet


@pytest.mark.parametrize("paragraph", PARAGRAPHS, ids=[f"p{i}" for i in range(len(PARAGRAPHS))])
def test_readme_shell_paragraph_runs(
    paragraph: str, readme_emulator: ReadmeEmulator, tmp_path: Path
) -> None:
    """Each paragraph of the README's CLI lines runs as written, against its emulator line.

    It runs in a folder as a user's would be: ``photo.png`` and a model in ``models/``.
    Only the flows are quicker, and ``run --no-wait`` then ``flows abort`` gets a flow that
    lasts an hour (a loaded machine could outlast a short one between the two commands).
    """
    (tmp_path / "photo.png").write_bytes(sample_png(16, 16))  # "any PNG or JPEG of yours"
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "earlier.glb").write_bytes(sample_glb())
    seen = len(readme_emulator.log)
    lines = _fast_demo(paragraph).splitlines(keepends=True)
    no_wait = [i for i, line in enumerate(lines) if "--no-wait" in line]
    parts = [(lines, TEST_FLOW_SECONDS)]
    if no_wait:
        (start,) = no_wait
        assert "flows abort" in lines[start + 1]
        parts = [
            (lines[:start], TEST_FLOW_SECONDS),
            (lines[start : start + 2], 3600.0),
            (lines[start + 2 :], TEST_FLOW_SECONDS),
        ]
    for part, flow_seconds in parts:
        if part:
            readme_emulator.set_flow_seconds(flow_seconds)
            _run_script(readme_emulator, "".join(part), tmp_path)
    log = readme_emulator.log[seen:]
    assert all("KEY" not in line for line in log)
    for snippet, check in CHECKS.items():
        if snippet in paragraph:
            check(tmp_path, log)


def test_readme_respx_recipe_runs_without_the_emulator(
    tmp_path: Path, block_runner: BlockRunner
) -> None:
    """The respx recipe needs no server: its mocked flow and typed 404 come from respx."""
    (code,) = [block for block in BLOCKS if "import respx" in block]
    env = {k: v for k, v in os.environ.items() if not k.startswith("GENERIO_")}
    done = block_runner.run(code, cwd=tmp_path, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["completed", "404", "Flow", "not", "found"]
