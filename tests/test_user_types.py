"""User code type-checks strictly, and what checkers and errors say names public types.

``tests/typecheck/user_app.py`` is an application over the public API (clients, run, flows,
streams, batches, errors, the emulator): ``mypy --strict`` and ``pyright --strict`` accept
it. pyright needs Node.js and, on first use, npm's registry: its tests are marked
``pyright`` and run in ``nox -s verifytypes`` (and CI), not in the default offline run.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

import generio
from generio import ConfigurationError, Generio, GenerioError, InputError, data_uri
from generio.testing import Emulator
from tests.helpers.typecheck import run_mypy

APP = Path(__file__).parent / "typecheck" / "user_app.py"
#: Misuses a user makes; each must be reported, in words naming public types only.
MISUSE = """\
from generio import AsyncGenerio, Generio

def misuse(client: Generio, aclient: AsyncGenerio) -> None:
    client.low_level.no_such_attribute
    client.flows.no_such_method()
    client.templates.get(42)
    client.run(42, "a chair")
    client.run_many([{"template": "x", "inputz": "y"}])
    aclient.flows.wait(3)
"""
#: Misuses of methods both clients share the logic of: each public class defines its own
#: methods, so the messages name it (not a shared base), and ``timeout`` names no sentinel.
MISUSE_OF_BASES = """\
from generio import AsyncGenerio, Generio

def misuse(client: Generio, aclient: AsyncGenerio) -> None:
    client.with_options(timeout="soon")
    client.run_many(5)
    client.flows.stream_output("f", 1)
    client.flows.find(idempotency_key=3)
    client.base_url = "elsewhere"
    aclient.with_options(max_retries="2")
    aclient.iter_run_many(3)
    aclient.flows.download_output("f", "a", 3)
"""
#: Who each misuse's message must name, as mypy spells it.
OWNERS = (
    '"with_options" of "Generio"',
    '"run_many" of "Generio"',
    '"stream_output" of "Flows"',
    '"find" of "Flows"',
    '"base_url" defined in "Generio"',
    '"with_options" of "AsyncGenerio"',
    '"iter_run_many" of "AsyncGenerio"',
    '"download_output" of "AsyncFlows"',
)


def _misuse_lines(source: str) -> set[int]:
    """Return the line numbers of the misuses in ``source`` (each a call on a client)."""
    return {n for n, line in enumerate(source.splitlines(), 1) if "client." in line}


def _private_names_in(text: str) -> list[str]:
    """Names in a checker's or an error's words that users cannot import from generio."""
    exported = set(generio.__all__) | set(generio.testing.__all__)
    classes = {
        name
        for module_name, module in list(sys.modules.items())
        if module_name.split(".")[0] == "generio" and module is not None
        for name, value in vars(module).items()
        if isinstance(value, type) and (value.__module__ or "").startswith("generio")
    }
    quoted = set(re.findall(r'"([A-Za-z_][\w.]*)"', text)) | set(re.findall(r"\b\w+\b", text))
    private = {n for n in quoted if n.startswith("_") and not re.fullmatch(r"__\w+__", n)}
    private |= {n for n in quoted if n in classes and n not in exported}
    return sorted(private)


def _write_mypy_config(tmp_path: Path) -> Path:
    config = tmp_path / "mypy.ini"
    config.write_text("[mypy]\nstrict = True\n")
    return config


@pytest.mark.serial  # mypy: seconds of CPU when its cache is cold
def test_user_app_passes_mypy_strict(tmp_path: Path) -> None:
    """An application over the public API passes mypy --strict."""
    done = run_mypy(["--config-file", str(_write_mypy_config(tmp_path)), str(APP)], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues found in 1 source file" in done.stdout


@pytest.mark.serial
def test_mypy_reports_misuse_in_public_names(tmp_path: Path) -> None:
    """Each misuse is an error, and mypy's words name only public types (Flows, Job...)."""
    (tmp_path / "misuse.py").write_text(MISUSE)
    done = run_mypy(["--config-file", str(_write_mypy_config(tmp_path)), "misuse.py"], tmp_path)
    errors = [line for line in done.stdout.splitlines() if ": error: " in line]
    lines = {int(line.split(":")[1]) for line in errors}
    assert lines == _misuse_lines(MISUSE), done.stdout
    assert '"Client" has no attribute "no_such_attribute"' in done.stdout  # low_level typed
    assert _private_names_in(done.stdout) == []


@pytest.mark.serial
def test_mypy_names_no_private_base(tmp_path: Path) -> None:
    """Misusing with_options, run_many, stream_output...: mypy names the public classes."""
    (tmp_path / "bases.py").write_text(MISUSE_OF_BASES)
    done = run_mypy(["--config-file", str(_write_mypy_config(tmp_path)), "bases.py"], tmp_path)
    errors = [line for line in done.stdout.splitlines() if ": error: " in line]
    assert {int(line.split(":")[1]) for line in errors} == _misuse_lines(MISUSE_OF_BASES)
    assert [owner for owner in OWNERS if owner not in done.stdout] == [], done.stdout
    assert _private_names_in(done.stdout) == []


def _pyright(tmp_path: Path, *files: Path) -> dict[str, object]:
    """Run pyright --strict on files with this interpreter's packages; return its JSON."""
    if shutil.which("pyright") is None:
        pytest.skip("pyright is not installed here: nox -s verifytypes runs this")
    (tmp_path / "pyrightconfig.json").write_text(
        json.dumps({"typeCheckingMode": "strict", "pythonVersion": "3.11"})
    )
    done = subprocess.run(
        ["pyright", "--pythonpath", sys.executable, "--outputjson", *map(str, files)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode in (0, 1), done.stdout + done.stderr
    report: dict[str, object] = json.loads(done.stdout)
    return report


@pytest.mark.pyright
def test_user_app_passes_pyright_strict(tmp_path: Path) -> None:
    """The same application passes pyright in strict mode: no error, no unknown type."""
    app = tmp_path / APP.name
    app.write_text(APP.read_text())
    report = _pyright(tmp_path, app)
    assert report["generalDiagnostics"] == []
    assert report["summary"]["filesAnalyzed"] == 1  # type: ignore[index]


@pytest.mark.pyright
def test_pyright_reports_misuse_in_public_names(tmp_path: Path) -> None:
    """Check that pyright flags each misuse, naming public types (Client, Flows, Job) only."""
    source = MISUSE + "\n" + MISUSE_OF_BASES.split("\n", 2)[2].replace("misuse", "bases")
    misuse = tmp_path / "misuse.py"
    misuse.write_text(source)
    report = _pyright(tmp_path, misuse)
    diagnostics = report["generalDiagnostics"]
    assert isinstance(diagnostics, list)
    lines = {d["range"]["start"]["line"] + 1 for d in diagnostics if d["severity"] == "error"}
    assert lines == _misuse_lines(source)
    words = "\n".join(d["message"] for d in diagnostics)
    assert 'for class "Client"' in words
    assert 'for class "Generio"' in words  # client.base_url = ...
    assert _private_names_in(words) == []


def test_user_app_runs(
    sync_client: Generio, emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The type-checked application also runs as written, against the emulator."""
    monkeypatch.syspath_prepend(str(APP.parent))
    monkeypatch.chdir(tmp_path)
    import user_app

    paths = user_app.run_once(sync_client, tmp_path / "out")
    assert len(paths) == 2
    assert all(path.stat().st_size > 0 for path in paths)
    assert user_app.step_by_step(sync_client).state == "completed"
    assert user_app.handled(sync_client) == "ok"
    assert user_app.batch(sync_client) == 3
    assert len(asyncio.run(user_app.run_async(emu.base_url, emu.api_key))) == 1
    user_app.with_emulator()


def test_error_messages_name_public_types(sync_client: Generio) -> None:
    """Errors raised for bad input say what was wrong in public names, never private ones."""
    raised: list[GenerioError] = []
    attempts = [
        lambda: sync_client.run("model_generate_fromprompt", {"a", "set"}),
        lambda: sync_client.run("model_generate_fromprompt", {"prompt": "a chair"}),
        lambda: sync_client.run("model_generate_fromprompt", object()),
        lambda: sync_client.flows.list(query={"no_such_parameter": "x"}),
        lambda: sync_client.with_options(timeout="soon"),  # type: ignore[arg-type]
        lambda: sync_client.run_many([{"template": "x"}]),  # type: ignore[typeddict-item]
        lambda: Generio(api_key="k", base_url=sync_client.base_url, max_retries=-1),
        lambda: Generio(api_key="k", http_client=httpx.AsyncClient()),  # type: ignore[arg-type]
        lambda: data_uri.encode(12, "text/plain"),  # type: ignore[arg-type]
    ]
    for attempt in attempts:
        with pytest.raises((InputError, ConfigurationError)) as caught:
            attempt()
        raised.append(caught.value)
    assert len(raised) == len(attempts)
    offenders = {str(e): _private_names_in(str(e)) for e in raised if _private_names_in(str(e))}
    assert offenders == {}


def test_private_names_are_recognised() -> None:
    """The check above can fail: a private base or sentinel in the words is reported."""
    words = 'Argument 1 to "with_options" of "ClientBase"; expected "float | NotGiven | None"'
    assert _private_names_in(words) == ["ClientBase", "NotGiven"]
    assert _private_names_in('"run_many" of "Generio"; expected "Iterable[Job]"') == []
