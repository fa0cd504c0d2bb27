"""CLI errors speak CLI: flags and environment variables, never Python arguments or types."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from generio import Generio, ValidationError
from generio._cli import app
from generio._cli._common import failure
from generio._cli._words import cli_words
from generio.testing import Emulator, sample_png
from tests.helpers.cli import PROMPT_TEMPLATE, Cli

#: Words of the Python API that must not reach a CLI user.
PYTHON_WORDS = re.compile(
    r"\b(?:api_key|base_url|allow_insecure|max_retries|out_dir)\b|\w+=(?:\s|$|\.|True)"
    r"|\bas a str\b|pathlib|\bargument \w+|Value error|Input should be|httpx"
)


@pytest.mark.parametrize(
    ("python", "cli"),
    [
        ("no API key: pass api_key= to the client or set $GENERIO_API_KEY. Keys are...",
         "no API key: pass --api-key or set $GENERIO_API_KEY. Keys are..."),
        ("What to do: check the API key (argument api_key or $GENERIO_API_KEY).",
         "What to do: check the API key (--api-key or $GENERIO_API_KEY)."),
        ("Use https, or pass allow_insecure=True if this is on purpose",
         "Use https, or pass --allow-insecure if this is on purpose"),
        ("... it accepts text/plain. This template takes a text prompt: pass it as a str.",
         "... it accepts text/plain. This template takes a text prompt: give the prompt as an "
         "INPUT that is not the name of an existing file."),
        ("POST /flows failed with HTTP 422: body.parameters.quality: Value error, 'done' is "
         "not one of 'low', 'high'.",
         "POST /flows failed with HTTP 422: -p quality: 'done' is not one of 'low', 'high'."),
        ("HTTP 422: body.parameters.quality: Input should be 'low' or 'high'.",
         "HTTP 422: -p quality: must be one of: low, high."),
        ("HTTP 422: query.filter_by: Input should be 'created', 'running' or 'failed'.",
         "HTTP 422: --state: must be one of: created, running, failed."),
        ("HTTP 422: body.inputs.0: Value error, unreadable image",
         "HTTP 422: INPUT 1: unreadable image"),
        ("retry later, or give the client a longer timeout=.",
         "retry later, or pass a longer --request-timeout."),
        ("slow down, or raise max_retries to let generio wait and retry",
         "slow down, or raise --max-retries to let generio wait and retry"),
        ("out_dir 'x' exists and is not a directory.",
         "--out-dir 'x' exists and is not a directory."),
        ("cannot tell the type of file 'x' from its content or name; pass mime_type= (for "
         "example 'image/png' or 'model/gltf-binary').",
         "cannot tell the type of file 'x' from its content or name; give the file the "
         "extension of its type (.png, .jpg, .tif, .webp or .glb)."),
    ],
)  # fmt: skip
def test_cli_words(python: str, cli: str) -> None:
    """Each Python phrase of the library's messages becomes the CLI's flag or variable."""
    assert cli_words(python) == cli
    assert not PYTHON_WORDS.search(cli)


def test_service_validation_error_lists_allowed_values(emu: Emulator) -> None:
    """A real 422 from the service (an unknown state) is told with the flag and plain values."""
    with Generio(emu.api_key, emu.base_url) as client, pytest.raises(ValidationError) as caught:
        client.flows.list(state="done")
    code, message = failure(caught.value)
    assert code == 3
    assert "--state: must be one of: created, running, aborting, completed, aborted, failed" in (
        message
    )
    assert not PYTHON_WORDS.search(message), message


def test_out_of_range_parameter_from_the_service(cli: Cli, emu: Emulator) -> None:
    """A parameter the service refuses (seed below -1) names -p, in plain words."""
    result = cli("run", PROMPT_TEMPLATE, "a chair", "-p", "seed=-5")
    assert result.exit_code == 3
    assert "-p seed: must be" in result.stderr
    assert not PYTHON_WORDS.search(result.stderr), result.stderr


def test_prompt_that_names_a_file(cli: Cli, tmp_path: Path) -> None:
    """A prompt template given a word that is a file: the advice is about INPUT, not str."""
    (tmp_path / "chair").write_bytes(sample_png(4, 4))
    result = cli("run", PROMPT_TEMPLATE, "chair")
    assert result.exit_code == 2
    assert "INPUT that is not the name of an existing file" in result.stderr
    assert not PYTHON_WORDS.search(result.stderr), result.stderr


@pytest.mark.parametrize(
    ("args", "env", "flag"),
    [
        (["--base-url", "http://example.com", "--api-key", "k"], {}, "--allow-insecure"),
        (["--base-url", "ftp://example.com", "--api-key", "k"], {}, "--base-url"),
        (["--base-url", "http://127.0.0.1:9"], {}, "--api-key"),
    ],
    ids=["insecure", "bad-url", "no-key"],
)
def test_configuration_errors_name_flags(args: list[str], env: dict[str, str], flag: str) -> None:
    """Configuration errors name the CLI's flags and variables, exit 3."""
    result = CliRunner().invoke(
        app, [*args, "templates"], env={"GENERIO_API_KEY": None, "GENERIO_BASE_URL": None}
    )
    assert result.exit_code == 3
    assert flag in result.stderr
    assert not PYTHON_WORDS.search(result.stderr), result.stderr


def test_choice_error_lists_values_plainly(cli: Cli) -> None:
    """A --state outside the states lists them plainly, comma separated."""
    result = cli("flows", "list", "--state", "done")
    assert result.exit_code == 2
    assert (
        "done is not one of: created, starting, running, aborting, completed, aborted, failed"
        in result.stderr
    )


@pytest.mark.parametrize(
    ("args", "env", "named", "not_named"),
    [
        ([], {"GENERIO_BASE_URL": "http://example.com"}, "$GENERIO_BASE_URL", "--base-url"),
        (["--base-url", "http://example.com"], {"GENERIO_BASE_URL": "http://127.0.0.1:9"},
         "--base-url", "$GENERIO_BASE_URL"),
        ([], {"GENERIO_BASE_URL": "ftp://example.com"}, "given by $GENERIO_BASE_URL",
         "--base-url"),
    ],
    ids=["insecure-from-env", "insecure-from-option", "not-http-from-env"],
)  # fmt: skip
def test_errors_name_where_the_url_came_from(
    args: list[str], env: dict[str, str], named: str, not_named: str
) -> None:
    """A bad base URL is blamed on the option or the variable that gave it, not both."""
    result = CliRunner().invoke(
        app, [*args, "--api-key", "k", "templates"], env={"GENERIO_API_KEY": None, **env}
    )
    assert result.exit_code == 3
    assert named in result.stderr
    assert not_named not in result.stderr
    assert not PYTHON_WORDS.search(result.stderr), result.stderr


@pytest.mark.parametrize("from_env", [True, False], ids=["env", "option"])
def test_wrong_key_names_where_it_came_from(emu: Emulator, from_env: bool) -> None:
    """A 401 says to check the key given by $GENERIO_API_KEY, or by --api-key."""
    key_args = [] if from_env else ["--api-key", "wrong"]
    result = CliRunner().invoke(
        app,
        ["--base-url", emu.base_url, *key_args, "templates"],
        env={"GENERIO_API_KEY": "wrong" if from_env else None, "GENERIO_BASE_URL": None},
    )
    assert result.exit_code == 3
    named = "$GENERIO_API_KEY" if from_env else "--api-key"
    assert f"(given by {named})" in result.stderr
