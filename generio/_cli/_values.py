"""Reading option values: numbers, seconds, ports and fixed choices, in the CLI's own words.

Typer words a bad value differently from one release to the next ("'x' is not a valid
int." here, "Input should be a valid integer, unable to parse string as an integer" there,
"Value error, ..." before a choice), and shows range hints such as ``[x>=0.0]`` in help.
Options that take a number or a choice are therefore read by the parsers below, passed as
``typer.Option(parser=...)``: the message is ours on every release, and says what to give.
Typer prefixes it with ``Invalid value for '--flag':`` and exits with code 2. Defaults pass
through the parsers too, already typed: they are taken as they are.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import typer

__all__ = ["choice", "completion", "integer", "port", "positive_seconds", "seconds", "whole"]


def _number(text: object) -> float | None:
    try:
        value = float(str(text))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def seconds(text: str) -> float:
    """Read a number of seconds, 0 or more (``--wait-timeout``, ``--flow-seconds``).

    Raises:
        typer.BadParameter: not a finite number, or below 0.
    """
    value = _number(text)
    if value is None or value < 0:
        raise typer.BadParameter(f"{text} is not a number of seconds; give 0 or more, e.g. 600")
    return value


def positive_seconds(text: str) -> float:
    """Read a number of seconds above 0 (``--request-timeout``).

    Raises:
        typer.BadParameter: not a number above 0 and at most the library's bound.
    """
    from generio._http.settings import MAX_SECONDS

    value = _number(text)
    if value is None or not 0 < value <= MAX_SECONDS:
        raise typer.BadParameter(
            f"{text} is not a positive, finite number of seconds up to {MAX_SECONDS:g}; "
            "give one above 0, e.g. 30"
        )
    return value


def _whole(text: object) -> int | None:
    if isinstance(text, int):
        return text  # a default value, already a number
    try:
        return int(str(text).strip(), 10)
    except ValueError:
        return None


def integer(text: str) -> int:
    """Read a whole number, of any sign (``--seed``).

    Raises:
        typer.BadParameter: not a whole number.
    """
    value = _whole(text)
    if value is None:
        raise typer.BadParameter(f"{text} is not a whole number")
    return value


def whole(minimum: int) -> Callable[[str], int]:
    """Make a parser of whole numbers >= ``minimum`` (``--concurrency``, ``--max-retries``)."""

    def parse(text: str) -> int:
        value = _whole(text)
        if value is None or value < minimum:
            raise typer.BadParameter(f"{text} is not a whole number of {minimum} or more")
        return value

    return parse


def port(text: str) -> int:
    """Read a TCP port, 0 to 65535 (0 lets the system pick a free one).

    Raises:
        typer.BadParameter: not a whole number in that range.
    """
    value = _whole(text)
    if value is None or not 0 <= value <= 65535:
        raise typer.BadParameter(f"{text} is not a port; give 1 to 65535, or 0 for a free one")
    return value


def choice(values: Sequence[str]) -> Callable[[str], str]:
    """Make a parser accepting exactly one of ``values``, listing them when given another."""
    allowed = tuple(values)

    def parse(text: str) -> str:
        if text not in allowed:
            raise typer.BadParameter(f"{text} is not one of: {', '.join(allowed)}")
        return text

    return parse


def completion(values: Sequence[str]) -> Callable[[str], list[str]]:
    """Make the shell completion of a choice: the values that start with what was typed."""
    allowed = tuple(values)

    def complete(incomplete: str) -> list[str]:
        return [value for value in allowed if value.startswith(incomplete)]

    return complete
