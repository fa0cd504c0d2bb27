"""``generio templates`` and ``generio template NAME``: what can be run, and how."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from generio import NotFoundError, ServerError
from generio._cli._common import UsageProblem, emit_json, open_client, say
from generio._cli._options import JsonOption
from generio._cli._render import template_json, template_text, templates_text
from generio._payload.models import unknown_template

if TYPE_CHECKING:
    from generio import Generio, Template

__all__ = ["JsonOption", "resolve_template", "template", "templates"]


def resolve_template(client: Generio, name: str) -> Template:
    """Fetch a template by name or id; an unknown one is a usage error listing the names.

    A template answered but unreadable is known by its name only: the checks step aside.

    Raises:
        UsageProblem: no template has this name or id.
    """
    try:
        return client.templates.get(name)
    except ServerError as exc:
        if not 200 <= exc.status_code < 300:
            raise
        # Answered, but unreadable: the checks that need the template step aside.
        return unknown_template(name)
    except NotFoundError:
        names = ", ".join(t.name for t in client.templates.list()) or "none"
        raise UsageProblem(
            f"unknown template {name!r}; the templates are: {names} (see: generio templates)"
        ) from None


def templates(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List the templates flows can be made from."""
    found = open_client(ctx).templates.list()
    if as_json:
        emit_json([template_json(t) for t in found])
    else:
        say(templates_text(found))


def template(
    ctx: typer.Context,
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="The template's name or id.", show_default=False)
    ],
    as_json: JsonOption = False,
) -> None:
    """Show one template: its inputs, outputs and parameters (types, defaults, allowed)."""
    found = resolve_template(open_client(ctx), name)
    if as_json:
        emit_json(template_json(found))
    else:
        say(template_text(found))
