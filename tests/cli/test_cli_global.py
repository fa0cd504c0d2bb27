"""Global options, help, completion, auth and configuration errors, logging, the entry point."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path
from typing import get_args

import pytest
from typer.testing import CliRunner

import generio.__main__ as entry
from generio import __version__
from generio._cli import app
from generio._cli._flows import SERVICE_STATES, SORT_FIELDS, STATES
from generio.testing import Emulator
from tests.helpers.cli import PROMPT_TEMPLATE, TEMPLATES, Cli

#: The wheel MissingExtraError names: the one `nox -s build` makes of this version.
WHEEL = f"dist/generio-{__version__}-py3-none-any.whl"


def test_version() -> None:
    """--version prints the package version."""
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"generio {__version__}"


def test_help_lists_commands_and_completion() -> None:
    """--help lists every command, the exit codes, and typer's completion options."""
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for word in ("templates", "template", "run", "flows", "demo", "emulator", "Exit codes"):
        assert word in result.stdout
    assert "--install-completion" in result.stdout
    assert "--show-completion" in result.stdout
    flows = CliRunner().invoke(app, ["flows", "--help"])
    for command in ("list", "get", "start", "abort", "delete", "wait", "download", "upload"):
        assert command in flows.stdout


def test_shell_completion_offers_states() -> None:
    """Shell completion is on: completing `flows list --state` offers the flow states."""
    env = {"_GENERIO_COMPLETE": "complete_bash", "COMP_WORDS": "generio flows list --state ",
           "COMP_CWORD": "4"}  # fmt: skip
    result = CliRunner().invoke(app, [], env=env, prog_name="generio")
    assert result.exit_code == 0
    assert result.stdout.split() == list(STATES)


def test_no_command_shows_help() -> None:
    """`generio` alone shows the help rather than doing anything."""
    result = CliRunner().invoke(app, [])
    assert "Usage" in result.output
    assert "run" in result.output


def test_wrong_key_exits_3(cli: Cli) -> None:
    """A key the service refuses (401) exits 3 with one line, no traceback."""
    result = cli("templates", key="not-the-key")
    assert result.exit_code == 3
    (line,) = result.stderr.splitlines()
    assert line.startswith("generio: error: GET /templates failed with HTTP 401")
    assert "--api-key" in line
    assert "not-the-key" not in result.output


def test_no_key_exits_3(cli: Cli) -> None:
    """No --api-key and no $GENERIO_API_KEY is a configuration error: exit 3."""
    result = cli("templates", key=None)
    assert result.exit_code == 3
    assert "no API key" in result.stderr


def test_key_and_url_from_environment(cli: Cli, emu: Emulator) -> None:
    """Without options, the key and base URL come from $GENERIO_API_KEY/$GENERIO_BASE_URL."""
    result = CliRunner().invoke(
        app,
        ["templates", "--json"],
        env={"GENERIO_API_KEY": emu.api_key, "GENERIO_BASE_URL": emu.base_url},
    )
    assert result.exit_code == 0, result.stderr
    names = [template["name"] for template in json.loads(result.stdout)]
    assert sorted(names) == sorted(TEMPLATES)  # the emulator's, read with its key


def test_unreachable_service_exits_3(cli: Cli) -> None:
    """A service that cannot be reached is an API error: exit 3."""
    result = CliRunner().invoke(
        app, ["--base-url", "http://127.0.0.1:9", "--api-key", "k", "templates"]
    )
    assert result.exit_code == 3
    assert result.stderr.startswith("generio: error: ")


@pytest.mark.parametrize("value", ["-1", "0", "nan", "inf", "-inf", "1e10"])
def test_bad_request_timeout_is_a_usage_error(cli: Cli, value: str) -> None:
    """A --request-timeout that is not a positive, finite number is refused by name: exit 2."""
    result = cli("--request-timeout", value, "templates")
    assert result.exit_code == 2
    assert "--request-timeout" in result.stderr
    assert "httpx" not in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("key_from", ["option", "environment"])
def test_verbose_logs_requests_never_the_key(
    cli: Cli, emu: Emulator, key_from: str, tmp_path: Path
) -> None:
    """-v logs generio's requests to stderr; the key appears nowhere in the output."""
    if key_from == "option":
        result = cli("-v", "run", PROMPT_TEMPLATE, "a hat", "-o", str(tmp_path))
    else:
        result = cli("-v", "run", PROMPT_TEMPLATE, "a hat", "-o", str(tmp_path), key=None,
                     env={"GENERIO_API_KEY": emu.api_key})  # fmt: skip
    assert result.exit_code == 0
    assert "generio DEBUG GET /templates/" in result.stderr
    assert "generio DEBUG POST /flows" in result.stderr
    assert emu.api_key not in result.stderr
    assert emu.api_key not in result.stdout


def test_verbose_handler_removed_after_command(cli: Cli) -> None:
    """The -v log handler and level are undone when the command ends."""
    logger = logging.getLogger("generio")
    before = (list(logger.handlers), logger.level)
    assert cli("-v", "templates").exit_code == 0
    assert (list(logger.handlers), logger.level) == before


def test_main_returns_exit_code(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """main() returns the command's exit code instead of exiting the interpreter."""
    monkeypatch.setenv("GENERIO_API_KEY", emu.api_key)
    monkeypatch.setenv("GENERIO_BASE_URL", emu.base_url)
    assert entry.main(["flows", "get", "000000000000000000000000"]) == 3
    assert entry.main(["templates", "--json"]) == 0


def _without_cli_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [m for m in sys.modules if m == "generio._cli" or m.startswith("generio._cli.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "typer", None)  # `import typer` now raises ImportError


def test_without_cli_extra_prints_hint(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without typer, `generio` names the cli extra and both ways to install it; returns 2."""
    _without_cli_extra(monkeypatch)
    assert entry.main(["templates"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip() == (
        "generio: error: the command line needs the 'cli' extra, which is not installed "
        "(typer is missing). From a clone of the repository: pip install '.[cli]'; "
        f"from a wheel (nox -s build makes it): pip install '{WHEEL}[cli]'; "
        "once generio is on PyPI: pip install 'generio[cli]'."
    )


def test_without_cli_extra_version_still_works(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without typer, `generio --version` still answers."""
    _without_cli_extra(monkeypatch)
    assert entry.main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"generio {__version__}"


def test_help_loads_no_client_or_emulator() -> None:
    """`python -m generio --help` runs without loading the clients or the emulator's server."""
    probe = (
        "import sys\n"
        "from generio.__main__ import main\n"
        "code = main(['--help'])\n"
        "heavy = ['generio._surface.client', 'generio_api', 'fastapi', 'uvicorn']\n"
        "print(code, [m for m in heavy if m in sys.modules])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.splitlines()[-1] == "0 []"


def test_choices_match_the_spec() -> None:
    """--state takes every state; the service is asked for the spec's; one name per sort field."""
    from generio_api.models import FlowSortField, FlowStateFilter

    from generio import FlowState

    assert set(STATES) == set(get_args(FlowState))
    assert set(SERVICE_STATES) == {s.value for s in FlowStateFilter}
    assert set(SORT_FIELDS) < {s.value for s in FlowSortField}
    assert {"state", "status"} & set(SORT_FIELDS) == {"state"}
