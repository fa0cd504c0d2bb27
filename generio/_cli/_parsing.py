"""How the command line is parsed and shown: global options anywhere, plain usage lines.

Click reads a group's options only before the subcommand, so ``generio run -v ...`` would be
"No such option: -v". :class:`RootGroup` moves the global options it finds after the
subcommand to the front before parsing, unless the subcommand has an option of that name
itself (``generio emulator --api-key`` is the emulator's own key). Values of the
subcommand's options are stepped over, and nothing after ``--`` is touched.

:class:`Command` and :class:`Group` print usage as people write it, ``TEMPLATE INPUT...``
rather than typer's ``{TEMPLATE} {INPUT...}``, and leave the whole help to ``_help.py``, so it
reads the same on every typer release the CLI supports.

Only duck-typed attributes of click's parameters are used (``opts``, ``is_flag``...), so
this works with typer's vendored click and with click itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from generio._cli._help import format_help, usage_pieces

__all__ = ["Command", "Group", "RootGroup", "hoist_global_options"]


class Command(TyperCommand):
    """A typer command whose help and usage line this package renders (``_help.py``)."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        """``[OPTIONS] TEMPLATE INPUT...``: arguments as people type them."""
        return usage_pieces(self, ctx)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        """Write the same help on every typer release the CLI supports."""
        format_help(self, ctx, formatter)


class Group(TyperGroup):
    """A typer group whose help, command list and usage line this package renders."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        """``[OPTIONS] COMMAND [ARGS]...``."""
        return usage_pieces(self, ctx)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        """Every command with its whole first sentence, on every typer release."""
        format_help(self, ctx, formatter)


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


def _interrupted() -> typer.Exit:
    """Say so, as the launcher does, and return the exit to raise (code 130).

    Typer turns a Ctrl-C while it parses or runs a command into a silent exit 130; people
    and scripts reading stderr are told what happened instead.
    """
    typer.echo("\ngenerio: interrupted", err=True)
    return typer.Exit(130)


class RootGroup(Group):
    """The ``generio`` group: global options are accepted after the subcommand too."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        """Hoist global options, then parse as click does."""
        result: list[str] = super().parse_args(ctx, hoist_global_options(self, ctx, args))
        return result

    def make_context(self, info_name: Any, args: Any, parent: Any = None, **extra: Any) -> Any:
        """Parse the command line; Ctrl-C meanwhile exits 130 with one line."""
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except KeyboardInterrupt:
            raise _interrupted() from None

    def invoke(self, ctx: Any) -> Any:
        """Run the command; a Ctrl-C it does not handle itself exits 130 with one line."""
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise _interrupted() from None
