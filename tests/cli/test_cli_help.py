"""Help and value errors in generio's own words: whole sentences, no raw hints, any typer."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from generio._cli import app
from generio._cli._help import summary
from tests.cli.test_cli_options import COMMANDS


def _help(*words: str) -> str:
    result = CliRunner().invoke(app, [*words, "--help"])
    assert result.exit_code == 0, result.output
    return result.stdout


def _commands_section(text: str) -> dict[str, str]:
    """Map each command listed under 'Commands:' to its summary, wrapped lines joined."""
    section = text.split("\nCommands:\n", 1)[1].split("\n\n", 1)[0]
    listed: dict[str, str] = {}
    name = ""
    for line in section.splitlines():
        found = re.match(r"  (\S+)\s+(.*)", line)
        if found and not line.startswith("    "):
            name = found[1]
            listed[name] = found[2]
        else:
            listed[name] += " " + line.strip()
    return listed


@pytest.mark.parametrize("group", [[], ["flows"]], ids=["generio", "flows"])
def test_command_summaries_are_whole_sentences(group: list[str]) -> None:
    """Every summary in a command list is a whole sentence, never cut with '...'."""
    listed = _commands_section(_help(*group))
    assert len(listed) >= 8
    for name, text in listed.items():
        assert text.endswith("."), (name, text)
        assert not text.endswith("..."), (name, text)
        assert "  " not in text


def test_summary_is_the_first_sentence_whole() -> None:
    """summary() takes the first sentence of the help, however long, and only that."""

    class Fake:
        short_help = None
        help = "Run the demo: a local emulator; text to 3D, image to 3D,\n then optimise. More."

    assert (
        summary(Fake()) == "Run the demo: a local emulator; text to 3D, image to 3D, then optimise."
    )


@pytest.mark.parametrize("words", COMMANDS, ids=[" ".join(w) or "generio" for w in COMMANDS])
def test_no_range_hints_or_type_placeholders(words: list[str]) -> None:
    """No [x>=0.0]-style range hints, <type> placeholders or doubled '......' in any help."""
    text = _help(*words)
    assert not re.search(r"x\s*[<>]=?\s*-?\d", text), text
    assert not re.search(r"<\w[\w\[\] ]*>", text), text
    assert "...." not in text
    assert "[required]" not in text  # the usage line says what is required


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["run", "T", "x", "--wait-timeout", "-1"], "-1 is not a number of seconds"),
        (["run", "T", "x", "--wait-timeout", "soon"], "soon is not a number of seconds"),
        (["--request-timeout", "0", "templates"], "0 is not a positive, finite number of seconds"),
        (["--request-timeout", "nan", "templates"], "nan is not a positive, finite number"),
        (["--max-retries", "-1", "templates"], "-1 is not a whole number of 0 or more"),
        (["batch", "jobs.jsonl", "--concurrency", "0"], "0 is not a whole number of 1 or more"),
        (["emulator", "--port", "http"], "http is not a port; give 1 to 65535"),
        (["emulator", "--seed", "1.5"], "1.5 is not a whole number"),
        (["demo", "--flow-seconds", "inf"], "inf is not a number of seconds"),
        (["flows", "list", "--state", "done"], "done is not one of: created, starting, running"),
    ],
    ids=["negative-wait", "word-wait", "zero-request", "nan-request", "retries", "concurrency",
         "port", "seed", "flow-seconds", "state"],
)  # fmt: skip
def test_bad_values_are_told_in_our_words(args: list[str], words: str) -> None:
    """A bad option value: exit 2, the option named, and what to give, in generio's words."""
    result = CliRunner().invoke(app, args, env={"GENERIO_API_KEY": None})
    assert result.exit_code == 2
    option = next(a for a in args if a.startswith("-"))
    assert f"Invalid value for '{option}'" in result.stderr
    assert words in result.stderr
    assert "Value error" not in result.stderr
