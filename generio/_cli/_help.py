"""The words of ``--help``, rendered here rather than by typer.

Typer changes how it shows help from one release to the next (0.29 prints ``<str>`` and
``<list[str]>`` after argument names, appends ``...`` to a metavar that has it already, and
shows range hints such as ``[x>=0.0]``). The CLI is tested on several typer releases and
promises the same help on each, so this module lays out usage lines, arguments, options
and command lists itself, from the duck-typed attributes every click-style parameter has
(``opts``, ``metavar``, ``help``, ``required``...). Summaries in command lists are the
first sentence of each command's help, whole: never cut with ``...``.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterable
from enum import Enum
from pathlib import PurePath
from typing import Any

__all__ = ["format_help", "summary", "usage_pieces"]

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")
_DEFAULT_SUBCOMMAND = "COMMAND [ARGS]..."


def _is_option(param: Any) -> bool:
    return getattr(param, "param_type_name", "") == "option"


def _takes_value(param: Any) -> bool:
    return not (getattr(param, "is_flag", False) or getattr(param, "count", False))


def _argument_name(param: Any) -> str:
    return str(getattr(param, "metavar", None) or str(param.name).upper())


def usage_pieces(command: Any, ctx: Any) -> list[str]:
    """Return the words after the command's path on its usage line, as people type them.

    ``[OPTIONS]``, then each argument by its metavar (in brackets when it may be left
    out), then ``COMMAND [ARGS]...`` for a group.
    """
    pieces = ["[OPTIONS]"] if getattr(command, "options_metavar", "[OPTIONS]") else []
    for param in command.get_params(ctx):
        if _is_option(param) or getattr(param, "hidden", False):
            continue
        name = _argument_name(param)
        pieces.append(name if param.required else f"[{name}]")
    if hasattr(command, "list_commands"):
        pieces.append(getattr(command, "subcommand_metavar", None) or _DEFAULT_SUBCOMMAND)
    return pieces


def _shown(value: Any) -> str:
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, list | tuple):
        return ", ".join(_shown(v) for v in value)
    return str(value)


def _default(param: Any) -> str | None:
    """Return the ``[default: ...]`` note of an option; None when there is nothing to say."""
    show = getattr(param, "show_default", None)
    if isinstance(show, str):
        return show
    default = getattr(param, "default", None)
    if not show or default is None or callable(default) or not _takes_value(param):
        return None
    if isinstance(default, list | tuple) and not default:
        return None
    return _shown(default)


def _option_record(param: Any) -> tuple[str, str]:
    # Short spellings first (``-c, --concurrency``), as click and most tools show them.
    spellings = sorted(param.opts, key=lambda name: len(name) - len(name.lstrip("-")))
    names = ", ".join([*spellings, *getattr(param, "secondary_opts", [])])
    if _takes_value(param):
        metavar = getattr(param, "metavar", None) or str(param.name).upper()
        names = f"{names} {metavar}"
    notes = []
    default = _default(param)
    if default is not None:
        notes.append(f"default: {default}")
    envvar = getattr(param, "envvar", None)
    if envvar and getattr(param, "show_envvar", False):
        notes.append(f"env var: {envvar if isinstance(envvar, str) else ', '.join(envvar)}")
    text = getattr(param, "help", None) or ""
    if notes:
        text = f"{text}  [{'; '.join(notes)}]" if text else f"[{'; '.join(notes)}]"
    return names, text


def _help_text(command: Any) -> str:
    text = inspect.cleandoc(getattr(command, "help", None) or "")
    return text.partition("\f")[0]


def summary(command: Any) -> str:
    """Say what a command does in one whole sentence: its ``short_help``, else its first."""
    short = getattr(command, "short_help", None)
    if short:
        return str(short)
    first = _help_text(command).split("\n\n", 1)[0]
    first = " ".join(first.split())
    return _SENTENCE_END.split(first, maxsplit=1)[0]


def _section(formatter: Any, title: str, rows: Iterable[tuple[str, str]]) -> None:
    listed = list(rows)
    if listed:
        with formatter.section(title):
            formatter.write_dl(listed)


def format_help(command: Any, ctx: Any, formatter: Any) -> None:
    """Write the whole help of ``command``: usage, text, arguments, options, commands, epilog."""
    formatter.write_usage(ctx.command_path, " ".join(usage_pieces(command, ctx)))
    text = _help_text(command)
    if text:
        formatter.write_paragraph()
        with formatter.indentation():
            formatter.write_text(text)
    params = [p for p in command.get_params(ctx) if not getattr(p, "hidden", False)]
    _section(
        formatter,
        "Arguments",
        ((_argument_name(p), getattr(p, "help", None) or "") for p in params if not _is_option(p)),
    )
    _section(formatter, "Options", (_option_record(p) for p in params if _is_option(p)))
    if hasattr(command, "list_commands"):
        found = [(name, command.get_command(ctx, name)) for name in command.list_commands(ctx)]
        _section(
            formatter,
            "Commands",
            ((name, summary(sub)) for name, sub in found if sub is not None and not sub.hidden),
        )
    epilog = inspect.cleandoc(getattr(command, "epilog", None) or "")
    if epilog:
        formatter.write_paragraph()
        with formatter.indentation():
            formatter.write_text(epilog)
