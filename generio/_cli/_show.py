"""``generio preview``: one offline HTML page with a 3D viewer and the facts of each model.

Each target is a GLB file or, when no such file exists, a flow id whose outputs are
fetched with the usual client (key and URL from the global options or the environment).
Every model is read before the page is written: an input that is not a model the page
can show is an error (exit code 2, no page), unless ``--skip-invalid`` leaves it out.
"""

from __future__ import annotations

import os
import webbrowser
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer

from generio import InputError
from generio._cli._common import UsageProblem, note, open_client, say
from generio._glbinfo import model_facts
from generio._preview import PreviewItem, render_page

__all__ = ["preview", "write_page"]


def write_page(
    items: Sequence[PreviewItem],
    path: str | os.PathLike[str],
    *,
    title: str = "generio preview",
    orbit: str | None = None,
) -> Path:
    """Write :func:`~generio._preview.render_page` to ``path`` (folders created); its path.

    Raises:
        InputError: the page cannot be written there.
    """
    target = Path(path)
    partial = target.with_name(f".{target.name}.part")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # Written beside, then moved into place: a reader never sees half a page.
        partial.write_text(render_page(items, title=title, orbit=orbit), encoding="utf-8")
        partial.replace(target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise InputError(f"cannot write the preview page {target}: {exc}") from None
    return target


def _file(path: Path) -> PreviewItem:
    try:
        return PreviewItem(path.name, path.read_bytes(), str(path))
    except OSError as exc:
        raise UsageProblem(f"cannot read {path}: {exc.strerror or exc}") from None


def _items(ctx: typer.Context, targets: list[str]) -> list[tuple[str, PreviewItem]]:
    """Each model to show, with the target it came from (for messages)."""
    items: list[tuple[str, PreviewItem]] = []
    for target in targets:
        path = Path(target)
        if path.is_file():
            items.append((target, _file(path)))
            continue
        if path.exists():
            raise UsageProblem(f"{target} is not a file (give GLB files or flow ids)")
        if path.suffix.lower() in (".glb", ".gltf") or "/" in target:
            raise UsageProblem(f"{target}: no such file (give GLB files or flow ids)")
        outputs = open_client(ctx).flows.outputs(target, include_data=True)
        models = [a for a in outputs if a.mime_type == "model/gltf-binary" and a.data]
        if not models:
            raise UsageProblem(f"flow {target} has no model outputs to preview yet")
        items.extend(
            (
                f"flow {target}, output {a.id}",
                PreviewItem(f"output {a.id}", a.data or b"", f"flow {target}"),
            )
            for a in models
        )
    return items


def _problem(item: PreviewItem) -> str | None:
    """Why the page could not show this model, or None when it can."""
    try:
        model_facts(item.data)
    except ValueError as exc:
        return str(exc)
    return None


def preview(
    ctx: typer.Context,
    targets: Annotated[
        list[str],
        typer.Argument(
            metavar="FILE.glb...|FLOW_ID",
            help="GLB files to show, or flow ids whose outputs to fetch and show.",
            show_default=False,
        ),
    ],
    output: Annotated[
        Path,
        typer.Option(
            "-o", "--output", metavar="FILE", dir_okay=False, help="Where to write the page."
        ),
    ] = Path("generio-preview.html"),
    open_page: Annotated[
        bool, typer.Option("--open", help="Open the page in the default web browser.")
    ] = False,
    skip_invalid: Annotated[
        bool,
        typer.Option(
            "--skip-invalid",
            help="Leave out inputs that are not models the page can show (each is named on "
            "stderr) instead of failing.",
        ),
    ] = False,
) -> None:
    """Write one self-contained HTML page: a 3D viewer (orbit, zoom) and facts per model.

    The viewer is bundled into the page, which works offline and can be sent as one file.
    Exit code 2, and no page, when an input is not a model it can show (see --skip-invalid).
    """
    items: list[PreviewItem] = []
    problems: list[str] = []
    for target, item in _items(ctx, targets):
        problem = _problem(item)
        if problem is None:
            items.append(item)
        elif skip_invalid:
            note(f"left out {target}: {problem}")
        else:
            problems.append(f"{target}: {problem}")
    if problems:
        raise UsageProblem(
            f"cannot preview {'; '.join(problems)}. Give GLB files or flow ids, or pass "
            "--skip-invalid to leave such inputs out"
        )
    if not items:
        raise UsageProblem("none of the inputs is a model the page can show; nothing written")
    page = write_page(items, output, title=f"generio preview: {len(items)} model(s)")
    say(f"preview of {len(items)} model(s) written to {page}")
    if open_page:
        webbrowser.open(page.resolve().as_uri())
