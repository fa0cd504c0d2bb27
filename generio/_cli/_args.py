"""Turning ``run``'s words into what the facade takes: typed parameters and inputs.

The parser cannot know a template's parameters (they come from the service), so ``-p``
values arrive as text and are typed here against the template, with errors that list what
is allowed. Pure functions: every rule is tested without a server.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import typer

from generio import Template
from generio._cli._common import UsageProblem
from generio._cli._render import show
from generio._payload.mime import SNIFF_BYTES, guess_from_name, sniff

__all__ = ["PROMPT_FILE_MAX_BYTES", "STDIN", "parse_parameters", "parse_value", "read_inputs"]

#: The INPUT that stands for standard input.
STDIN = "-"
#: A text file up to this size is read as a prompt; a larger one is sent as the file it is.
PROMPT_FILE_MAX_BYTES = 1024 * 1024

_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})
_PROMPT = "text/plain"


def _names(template: Template) -> str:
    return ", ".join(template.parameters) or "none"


def parse_value(name: str, spec: Mapping[str, Any], text: str) -> Any:
    """Type one ``-p`` value by the parameter's JSON type and check its allowed values.

    An unknown type (one this version does not know) passes the text on for the service to
    judge, rather than refusing what may be valid.

    Raises:
        UsageProblem: the text is not a value of the type, or not an allowed one.
    """
    kind = spec.get("type")
    value: Any = text
    if kind == "integer":
        try:
            value = int(text, 10)
        except ValueError:
            raise UsageProblem(f"-p {name}={text}: {name} takes an integer") from None
    elif kind == "number":
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise UsageProblem(f"-p {name}={text}: {name} takes a number")
    elif kind == "boolean":
        lowered = text.strip().lower()
        if lowered not in _TRUE | _FALSE:
            raise UsageProblem(f"-p {name}={text}: {name} takes true or false")
        value = lowered in _TRUE
    allowed = spec.get("allowed")
    if allowed and value not in allowed:
        choices = ", ".join(show(v) for v in allowed)
        raise UsageProblem(f"-p {name}={text}: {name} must be one of {choices}")
    return value


def parse_parameters(template: Template, pairs: Sequence[str]) -> dict[str, Any]:
    """Parse ``-p NAME=VALUE`` options against the template; a repeated name: last wins.

    Raises:
        UsageProblem: no ``=``, a name the template does not have (the message lists the
            ones it has), or a value that does not fit.
    """
    parameters: dict[str, Any] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UsageProblem(
                f"-p {pair}: expected NAME=VALUE; {template.name} has: {_names(template)}"
            )
        spec = template.parameters.get(name)
        if spec is None and not template.parameters_known:
            # The service named no parameters (or the template was unreadable): our check
            # would rest on nothing, so the value goes out as text and the service judges.
            spec = {}
        if spec is None:
            raise UsageProblem(
                f"-p {pair}: {template.name} has no parameter {name!r}; "
                f"its parameters: {_names(template)} (see: generio template {template.name})"
            )
        parameters[name] = parse_value(name, spec, text)
    return parameters


def _is_path(word: str) -> bool:
    if not word.strip():
        return False  # Path("") is the current directory; "" is an (empty) prompt
    try:
        return Path(word).exists()
    except (OSError, ValueError):
        return False  # a long prompt is a file name too long for the system to look up


def _without_final_newline(text: str) -> str:
    """Drop the final line break: a file's or a pipe's last one is not part of a prompt."""
    if text.endswith("\r\n"):
        return text[:-2]
    return text.removesuffix("\n")


def _text(data: bytes) -> str | None:
    """Read ``data`` as a prompt's text; None when it is a known file type or not UTF-8."""
    if sniff(data[:SNIFF_BYTES]) is not None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _prompt_file(path: Path) -> str | None:
    """Read the prompt a text file holds (``.txt``, or no known type); None for others."""
    if guess_from_name(path.name) not in (None, _PROMPT) or not path.is_file():
        return None
    try:
        with path.open("rb") as handle:
            data = handle.read(PROMPT_FILE_MAX_BYTES + 1)
    except OSError:
        return None  # the client reports an unreadable file in its own words
    if len(data) > PROMPT_FILE_MAX_BYTES:
        return None  # not a prompt: the client sends it as the file it is
    text = _text(data)
    return None if text is None else _without_final_newline(text)


def _stdin_bytes() -> bytes:
    stream = sys.stdin
    if stream is None:
        raise UsageProblem("INPUT - reads standard input, and there is none")
    if stream.isatty():
        typer.echo("generio: reading INPUT - from the terminal; end it with Ctrl-D", err=True)
    binary = getattr(stream, "buffer", None)
    return binary.read() if binary is not None else stream.read().encode("utf-8")


def _from_stdin(template: Template, takes_prompt: bool) -> str | bytes:
    """Read what ``-`` stands for: the prompt or the file piped in."""
    data = _stdin_bytes()
    if not data.strip():
        raise UsageProblem("INPUT - (standard input) was empty: pipe a prompt or a file into it")
    text = _text(data)
    if text is None:
        return data  # a file: the client tells its type from the content
    if not takes_prompt:
        raise UsageProblem(
            f"INPUT - (standard input) holds text, and {template.name} takes files of type "
            f"{', '.join(template.input_types)}: pipe such a file into it"
        )
    return _without_final_newline(text)


def read_inputs(words: Sequence[str], template: Template) -> list[str | Path | bytes]:
    """Each INPUT that names an existing path is a file (``Path``); anything else a prompt.

    ``-`` reads standard input: a prompt, or a file (told apart by its content). A text file
    (``.txt``, or a file of no known type holding UTF-8 text) given to a template that takes
    prompts is read as the prompt it holds. A prompt from standard input or a file is sent as
    written, without its final newline. When the template takes no text prompt, a word that
    names no file can only be a mistyped file name: that is reported as such, rather than as
    a prompt the template refuses.

    Raises:
        UsageProblem: a word names no file and the template takes only files; ``-`` more
            than once, or standard input empty or unusable.
    """
    # Input types the service did not name cannot rule a prompt out.
    takes_prompt = _PROMPT in template.input_types or not template.input_types_known
    if list(words).count(STDIN) > 1:
        raise UsageProblem("INPUT - (standard input) can be given once only")
    inputs: list[str | Path | bytes] = []
    for word in words:
        if word == STDIN:
            inputs.append(_from_stdin(template, takes_prompt))
        elif _is_path(word):
            prompt = _prompt_file(Path(word)) if takes_prompt else None
            inputs.append(Path(word) if prompt is None else prompt)
        elif takes_prompt:
            inputs.append(word)
        else:
            raise UsageProblem(
                f"no such file: {word!r} ({template.name} takes files of type "
                f"{', '.join(template.input_types)})"
            )
    return inputs
