"""Turning ``run``'s words into what the facade takes: typed parameters and inputs.

The parser cannot know a template's parameters (they come from the service), so ``-p``
values arrive as text and are typed here against the template, with errors that list what
is allowed. Pure functions: every rule is tested without a server.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from generio import Template
from generio._cli._common import UsageProblem
from generio._cli._render import show

__all__ = ["parse_parameters", "parse_value", "read_inputs"]

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


def read_inputs(words: Sequence[str], template: Template) -> list[str | Path]:
    """Each INPUT that names an existing path is a file (``Path``); anything else a prompt.

    When the template takes no text prompt, a word that names no file can only be a
    mistyped file name: that is reported as such, rather than as a prompt the template
    refuses.

    Raises:
        UsageProblem: a word names no file and the template takes only files.
    """
    # Input types the service did not name cannot rule a prompt out.
    takes_prompt = _PROMPT in template.input_types or not template.input_types_known
    inputs: list[str | Path] = []
    for word in words:
        if _is_path(word):
            inputs.append(Path(word))
        elif takes_prompt:
            inputs.append(word)
        else:
            raise UsageProblem(
                f"no such file: {word!r} ({template.name} takes files of type "
                f"{', '.join(template.input_types)})"
            )
    return inputs
