"""Pure parts of the CLI: typing -p values, reading INPUTs, exit codes, text layout."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from generio import (
    APIConnectionError,
    AuthenticationError,
    ConfigurationError,
    ConflictError,
    Flow,
    FlowFailed,
    FlowNotStarted,
    GenerioError,
    InputError,
    Template,
    WaitTimeout,
)
from generio._cli._args import parse_parameters, parse_value, read_inputs
from generio._cli._common import UsageProblem, failure
from generio._cli._render import columns, size_text

TEMPLATE = Template(
    id="tpl",
    name="tpl",
    description="a template",
    parameters={
        "count": {"type": "integer", "default": 1},
        "ratio": {"type": "number", "default": 0.5},
        "flag": {"type": "boolean", "default": True},
        "mode": {"type": "string", "default": "a", "allowed": ["a", "b"]},
        "shape": {"type": "geometry", "default": None},
    },
    input_types=("image/png",),
    output_types=("model/gltf-binary",),
)
PROMPT_TEMPLATE = Template("p", "p", "prompts", {}, ("text/plain",), ("model/gltf-binary",))


@pytest.mark.parametrize(
    ("name", "text", "value"),
    [
        ("count", "42", 42),
        ("count", "-1", -1),
        ("ratio", "0.25", 0.25),
        ("ratio", "3", 3.0),
        ("flag", "false", False),
        ("flag", "YES", True),
        ("flag", "0", False),
        ("mode", "b", "b"),
        ("shape", "cube", "cube"),
    ],
)
def test_values_typed(name: str, text: str, value: Any) -> None:
    """Values become the parameter's JSON type; an unknown type passes the text on."""
    parsed = parse_value(name, TEMPLATE.parameters[name], text)
    assert parsed == value
    assert type(parsed) is type(value)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("count", "1.5", "count takes an integer"),
        ("count", "", "count takes an integer"),
        ("ratio", "nan", "ratio takes a number"),
        ("ratio", "many", "ratio takes a number"),
        ("flag", "perhaps", "flag takes true or false"),
        ("mode", "c", "mode must be one of a, b"),
    ],
)
def test_bad_values_refused(name: str, text: str, message: str) -> None:
    """Text that is not a value of the type, or not an allowed one, is a usage problem."""
    with pytest.raises(UsageProblem, match=message):
        parse_value(name, TEMPLATE.parameters[name], text)


def test_parameters_last_wins_and_value_may_hold_equals() -> None:
    """A repeated name keeps the last value; only the first '=' separates name and value."""
    assert parse_parameters(TEMPLATE, ["count=1", "count=2"]) == {"count": 2}
    assert parse_parameters(TEMPLATE, ["shape=a=b"]) == {"shape": "a=b"}


def test_unknown_parameter_lists_the_known_ones() -> None:
    """An unknown name is refused with every parameter the template has."""
    with pytest.raises(UsageProblem, match="its parameters: count, ratio, flag, mode, shape"):
        parse_parameters(TEMPLATE, ["size=3"])


def test_template_without_parameters() -> None:
    """A template without parameters says it has none."""
    with pytest.raises(UsageProblem, match="its parameters: none"):
        parse_parameters(PROMPT_TEMPLATE, ["seed=1"])


def test_inputs_paths_and_prompts(tmp_path: Path) -> None:
    """Existing paths become Paths; other words stay prompts, long or empty ones included."""
    existing = tmp_path / "a.png"
    existing.write_bytes(b"x")
    long_prompt = "a chair " * 100  # too long to be a file name: not an error, a prompt
    words = [str(existing), "a chair", long_prompt, ""]
    assert read_inputs(words, PROMPT_TEMPLATE) == [existing, "a chair", long_prompt, ""]


def test_inputs_missing_file_for_file_template(tmp_path: Path) -> None:
    """For a template that takes no prompt, a word naming no file is 'no such file'."""
    with pytest.raises(UsageProblem, match="no such file"):
        read_inputs([str(tmp_path / "gone.png")], TEMPLATE)


def _flow(state: str) -> Flow:
    return Flow("f1", "tpl", state, 0.5, {}, None, datetime(2026, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (UsageProblem("bad"), 2),
        (InputError("bad file"), 2),
        (FlowFailed(_flow("failed")), 1),
        (WaitTimeout("f1", 5.0, _flow("running")), 1),
        (FlowNotStarted(_flow("created")), 1),
        (ConfigurationError("no key"), 3),
        (AuthenticationError("401", method="GET", path="/t", status_code=401), 3),
        (ConflictError("409", method="PATCH", path="/f", status_code=409), 3),
        (APIConnectionError("down", method="GET", path="/t"), 3),
        (GenerioError("other"), 1),
    ],
)
def test_exit_codes(error: GenerioError | UsageProblem, code: int) -> None:
    """Each kind of expected error maps to its documented exit code and one line."""
    got, message = failure(error)
    assert got == code
    assert message.strip()
    assert "\n" not in message.strip()  # one line
    if isinstance(error, FlowFailed | WaitTimeout | FlowNotStarted):
        assert "f1" in message  # names the flow
    else:
        assert str(error).split()[0] in message  # keeps what went wrong


def test_flow_messages_name_the_commands() -> None:
    """Flow errors say which generio command to run next, not which Python method."""
    assert "generio flows wait f1" in failure(WaitTimeout("f1", 5.0))[1]
    assert "generio flows start f1" in failure(FlowNotStarted(_flow("created")))[1]


def test_columns_aligned_without_trailing_spaces() -> None:
    """Columns are padded to the widest cell; lines carry no trailing spaces."""
    text = columns([("a", "bb", ""), ("ccc", "d", "e")], "  ")
    assert text.splitlines() == ["  a    bb", "  ccc  d   e"]


@pytest.mark.parametrize(
    ("size", "text"), [(0, "0 B"), (999, "999 B"), (1684, "1.7 kB"), (3_200_000, "3.2 MB")]
)
def test_size_text(size: int, text: str) -> None:
    """File sizes read like people write them."""
    assert size_text(size) == text
