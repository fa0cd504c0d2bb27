"""How the command line is parsed and shown: global options anywhere, plain usage lines.

Click reads a group's options only before the subcommand, so ``generio run -v ...`` would be
"No such option: -v". :class:`RootGroup` moves the global options it finds after the
subcommand to the front before parsing, unless the subcommand has an option of that name
itself (``generio emulator --api-key`` is the emulator's own key). Values of the
subcommand's options are stepped over, and nothing after ``--`` is touched.

:class:`Command` and :class:`Group` print usage as people write it, ``TEMPLATE INPUT...``
rather than typer's ``{TEMPLATE} {INPUT...}``.

Only duck-typed attributes of click's parameters are used (``opts``, ``is_flag``...), so
this works with typer's vendored click and with click itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from typer.core import TyperCommand, TyperGroup

__all__ = ["Command", "Group", "RootGroup", "hoist_global_options"]


def _without_braces(pieces: Iterable[str]) -> list[str]:
    """Drop the braces typer puts around required arguments in a usage line."""
    return [piece.replace("{", "").replace("}", "") for piece in pieces]


_NOT_ONE_OF = re.compile(r"^'(?P<value>.*)' is not one of ")


def _plain_choice_error(exc: Exception) -> None:
    """Reword click's "'x' is not one of 'a', 'b'." as "x is not one of: a, b"."""
    message = getattr(exc, "message", None)
    choices = getattr(getattr(getattr(exc, "param", None), "type", None), "choices", None)
    found = _NOT_ONE_OF.match(message) if isinstance(message, str) else None
    if found and choices:
        names = [str(getattr(c, "value", c)) for c in choices]
        exc.message = f"{found['value']} is not one of: {', '.join(names)}"  # type: ignore[attr-defined]


class Command(TyperCommand):
    """A typer command whose usage line reads ``TEMPLATE INPUT...``."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        """Typer's pieces without the braces it puts around required arguments."""
        return _without_braces(super().collect_usage_pieces(ctx))

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        """Parse as click does; a value outside a choice lists the choices plainly."""
        try:
            result: list[str] = super().parse_args(ctx, args)
        except Exception as exc:
            _plain_choice_error(exc)
            raise
        return result


class Group(TyperGroup):
    """A typer group whose usage line is plain too."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        """Typer's pieces without braces."""
        return _without_braces(super().collect_usage_pieces(ctx))


def _options(command: Any, ctx: Any) -> dict[str, bool]:
    """Map each option name of ``command`` to whether it takes a value."""
    found: dict[str, bool] = {}
    for param in command.get_params(ctx):
        if getattr(param, "param_type_name", "") != "option":
            continue
        takes_value = not (getattr(param, "is_flag", False) or getattr(param, "count", False))
        for name in [*param.opts, *getattr(param, "secondary_opts", [])]:
            found[name] = takes_value
    return found


def _skip_options(args: Sequence[str], start: int, options: dict[str, bool]) -> int:
    """Return the index of the first word at or after ``start`` that is not an option."""
    i = start
    while i < len(args) and args[i].startswith("-") and args[i] != "--":
        name = args[i].partition("=")[0]
        i += 2 if options.get(name) and "=" not in args[i] else 1
    return i


def hoist_global_options(group: Any, ctx: Any, args: Sequence[str]) -> list[str]:
    """Return ``args`` with global options after the subcommand moved before it.

    Args:
        group: the root group, whose own options are the global ones.
        ctx: the root context (to resolve subcommands).
        args: the command line after the program name.
    """
    words = list(args)
    globals_ = {n: v for n, v in _options(group, ctx).items() if n != "--help"}
    at = _skip_options(words, 0, globals_)
    if at >= len(words):
        return words
    command = group.get_command(ctx, words[at])
    position = at + 1
    # A group (``flows``): the leaf is its subcommand, the word after it.
    while command is not None and hasattr(command, "get_command") and position < len(words):
        sub = command.get_command(ctx, words[position])
        if sub is None:
            break
        command, position = sub, position + 1
    if command is None:
        return words
    own = _options(command, ctx)
    moved: list[str] = []
    rest: list[str] = []
    i = position
    while i < len(words):
        word = words[i]
        if word == "--":
            rest += words[i:]
            break
        name = word.partition("=")[0]
        if word.startswith("-") and name not in own and name in globals_:
            width = 2 if globals_[name] and "=" not in word else 1
            moved += words[i : i + width]
            i += width
            continue
        width = 2 if word.startswith("-") and own.get(name) and "=" not in word else 1
        rest += words[i : i + width]
        i += width
    return words[:at] + moved + words[at:position] + rest


class RootGroup(Group):
    """The ``generio`` group: global options are accepted after the subcommand too."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        """Hoist global options, then parse as click does."""
        result: list[str] = super().parse_args(ctx, hoist_global_options(self, ctx, args))
        return result
