"""A mkdocs hook: the CLI reference page, generated from the command line itself.

``docs/reference/cli.md`` holds the marker ``<!-- generio-cli-reference -->``; at build time
this walks the Typer app's command tree (every command and group the CLI shows, nested) and
puts in its place, for each, a heading with its own anchor (``generio flows list`` →
``#generio-flows-list``) and the command's ``--help`` as the CLI prints it. So the page lists
every command and option of the installed CLI, and cannot fall behind it
(``tests/test_docs_site.py`` compares them). Needs the ``cli`` extra installed.
"""

from __future__ import annotations

from typing import Any

MARKER = "<!-- generio-cli-reference -->"
PAGE = "reference/cli.md"
#: The width help is laid out in on the page (the CLI wraps to the terminal's).
COLUMNS = "88"


def _commands(command: Any, ctx: Any, path: list[str]) -> list[list[str]]:
    """Every command path under ``command`` (itself first), in the order the CLI lists them."""
    found = [path]
    if not hasattr(command, "list_commands"):
        return found
    for name in command.list_commands(ctx):
        sub = command.get_command(ctx, name)
        if sub is None or getattr(sub, "hidden", False):
            continue
        found += _commands(sub, ctx, [*path, name])
    return found


def _help(app: Any, path: list[str]) -> str:
    from typer.testing import CliRunner

    done = CliRunner().invoke(
        app, [*path, "--help"], prog_name="generio", env={"COLUMNS": COLUMNS, "NO_COLOR": "1"}
    )
    if done.exit_code != 0:
        raise RuntimeError(f"generio {' '.join(path)} --help failed: {done.output}")
    return done.output.rstrip()


def render() -> str:
    """Return the generated part of the page: per command, a heading and its help."""
    import click
    import typer.main

    from generio._cli import app

    root = typer.main.get_command(app)
    ctx = click.Context(root, info_name="generio")
    sections = []
    for path in _commands(root, ctx, []):
        title = " ".join(["generio", *path])
        anchor = "-".join(["generio", *path])
        sections.append(f"## `{title}` {{#{anchor}}}\n\n```text\n{_help(app, path)}\n```\n")
    return "\n".join(sections)


def on_page_markdown(markdown: str, *, page: Any, **kwargs: Any) -> str:
    """Fill the CLI reference page's marker; leave every other page as it is."""
    if page.file.src_uri != PAGE:
        return markdown
    if MARKER not in markdown:
        raise RuntimeError(f"{PAGE} lacks {MARKER}")
    return markdown.replace(MARKER, render())
