"""Options: global ones anywhere, two distinct timeouts, --allow-insecure, plain help."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from generio import Generio
from generio._cli import app
from generio._cli._parsing import hoist_global_options
from generio.testing import Emulator
from tests.helpers.cli import PROMPT_TEMPLATE, SLOW_FLOW_SECONDS, Cli


def _hoist(*args: str) -> list[str]:
    group = get_command(app)
    with group.make_context("generio", ["--help"], resilient_parsing=True) as ctx:
        return hoist_global_options(group, ctx, list(args))


def test_hoist_moves_global_options_before_the_command() -> None:
    """-v and --api-key KEY after the command move in front of it, values and all."""
    assert _hoist("run", "T", "x", "-v", "--api-key", "K", "-o", "out") == [
        "-v", "--api-key", "K", "run", "T", "x", "-o", "out",
    ]  # fmt: skip
    assert _hoist("flows", "get", "ID", "--base-url=http://h") == [
        "--base-url=http://h", "flows", "get", "ID",
    ]  # fmt: skip


def test_hoist_leaves_the_commands_own_options_and_values() -> None:
    """The emulator's own --api-key stays; an option value and words after -- are untouched."""
    assert _hoist("emulator", "--api-key", "K", "-v") == ["-v", "emulator", "--api-key", "K"]
    assert _hoist("run", "T", "-p", "seed=1", "--", "-v") == [
        "run",
        "T",
        "-p",
        "seed=1",
        "--",
        "-v",
    ]
    assert _hoist("run", "T", "-o", "-v", "x") == ["run", "T", "-o", "-v", "x"]


def test_global_options_after_the_command(cli: Cli, emu: Emulator) -> None:
    """`generio run ... -v --api-key KEY` works as if the options came first."""
    result = CliRunner().invoke(
        app,
        ["run", PROMPT_TEMPLATE, "a stool", "-o", "models", "-v", "--api-key", emu.api_key,
         "--base-url", emu.base_url],
        env={"GENERIO_API_KEY": None, "GENERIO_BASE_URL": None},
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "generio DEBUG POST /flows" in result.stderr
    assert emu.api_key not in result.output


def test_global_options_after_a_flows_command(cli: Cli, sync_client: Generio) -> None:
    """Global options after `flows list` are accepted too, and reach the emulator."""
    flow = sync_client.flows.create(PROMPT_TEMPLATE)
    result = CliRunner().invoke(
        app, ["flows", "list", "--json", "--api-key", cli.emu.api_key, "--base-url",
              cli.emu.base_url, "--request-timeout", "5"],
        env={"GENERIO_API_KEY": None, "GENERIO_BASE_URL": None},
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert [listed["id"] for listed in json.loads(result.stdout)] == [flow.id]


def test_the_two_timeouts_have_distinct_names(cli: Cli, emu: Emulator) -> None:
    """--request-timeout is global; --wait-timeout bounds the wait on run."""
    emu.flow_seconds = SLOW_FLOW_SECONDS
    result = cli("--request-timeout", "20", "run", PROMPT_TEMPLATE, "a tall lamp",
                 "--wait-timeout", "0")  # fmt: skip
    assert result.exit_code == 1
    assert "did not finish within 0 s" in result.stderr
    root = CliRunner().invoke(app, ["--help"]).stdout
    run = CliRunner().invoke(app, ["run", "--help"]).stdout
    assert "--request-timeout" in root
    assert "--wait-timeout" in run
    assert "--timeout " not in root + run  # the old, ambiguous name is hidden


def test_old_timeout_names_still_work_with_a_note(cli: Cli, emu: Emulator) -> None:
    """The deprecated --timeout keeps its old meanings and says which flag replaces it."""
    emu.flow_seconds = SLOW_FLOW_SECONDS
    result = cli("--timeout", "20", "run", PROMPT_TEMPLATE, "a lamp", "--timeout", "0")
    assert result.exit_code == 1
    assert "use --request-timeout" in result.stderr
    assert "use --wait-timeout" in result.stderr
    assert "did not finish within 0 s" in result.stderr


def test_allow_insecure(cli: Cli) -> None:
    """http:// to a host that is not loopback needs --allow-insecure, named in the error."""
    url = "http://0.0.0.0:9"  # not loopback by address; connecting fails at once
    refused = CliRunner().invoke(app, ["--base-url", url, "--api-key", "k", "templates"])
    assert refused.exit_code == 3
    assert "pass --allow-insecure" in refused.stderr
    assert "allow_insecure" not in refused.stderr
    allowed = CliRunner().invoke(
        app, ["--base-url", url, "--api-key", "k", "--max-retries", "0", "templates",
              "--allow-insecure"],
    )  # fmt: skip
    assert allowed.exit_code == 3
    assert "failed without a response" in allowed.stderr  # got past the check, to the network


def _commands() -> Iterator[list[str]]:
    group = get_command(app)
    yield []
    with group.make_context("generio", ["--help"], resilient_parsing=True) as ctx:
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            yield [name]
            if hasattr(command, "list_commands"):
                for sub in command.list_commands(ctx):
                    yield [name, sub]


COMMANDS = list(_commands())


@pytest.mark.parametrize("words", COMMANDS, ids=[" ".join(w) or "generio" for w in COMMANDS])
def test_help_has_no_placeholders_on_flags_and_plain_usage(words: list[str]) -> None:
    """No <bool>/<str>-style placeholders and no {BRACES} in any command's help."""
    result = CliRunner().invoke(app, [*words, "--help"])
    assert result.exit_code == 0
    assert not re.search(r"<\w[\w ]*>", result.stdout), result.stdout
    usage = result.stdout.splitlines()[0]
    assert usage.startswith("Usage: generio")
    assert "{" not in usage
    for line in result.stdout.splitlines():
        flag = re.match(r"\s+(?:-\w, )?--([\w-]+)\s+(\S+)", line)
        if flag and flag.group(2).isupper():
            continue  # a value placeholder people type over: KEY, SECONDS, DIR
        if flag:
            assert not flag.group(2).startswith(("<", "[", "BOOL", "TEXT", "FLOAT", "INTEGER"))


def test_usage_lines_read_as_typed() -> None:
    """Usage lines name the arguments as people type them."""

    def usage(*words: str) -> str:
        return CliRunner().invoke(app, [*words, "--help"]).stdout.splitlines()[0]

    assert usage("run") == "Usage: generio run [OPTIONS] TEMPLATE INPUT..."
    assert usage("flows", "create") == "Usage: generio flows create [OPTIONS] TEMPLATE [INPUT...]"
    assert usage("flows", "upload") == "Usage: generio flows upload [OPTIONS] ID INPUT..."
