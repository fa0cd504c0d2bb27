"""``generio preview``: one offline HTML page with a 3D viewer and the facts of each model.

Each target is a GLB file or, when no such file exists, a flow id whose outputs are
fetched with the usual client (key and URL from the global options or the environment).
"""

from __future__ import annotations

import webbrowser
from pathlib import Path
from typing import Annotated

import typer

from generio._cli._common import UsageProblem, open_client, say
from generio._preview import PreviewItem, write_page

__all__ = ["preview"]


def _items(ctx: typer.Context, targets: list[str]) -> list[PreviewItem]:
    items: list[PreviewItem] = []
    for target in targets:
        path = Path(target)
        if path.is_file():
            try:
                items.append(PreviewItem(path.name, path.read_bytes(), str(path)))
            except OSError as exc:
                raise UsageProblem(f"cannot read {path}: {exc.strerror or exc}") from None
            continue
        if path.suffix.lower() in (".glb", ".gltf") or "/" in target:
            raise UsageProblem(f"{target}: no such file (give GLB files or flow ids)")
        outputs = open_client(ctx).flows.outputs(target, include_data=True)
        models = [a for a in outputs if a.mime_type == "model/gltf-binary" and a.data]
        if not models:
            raise UsageProblem(f"flow {target} has no model outputs to preview yet")
        items.extend(PreviewItem(f"output {a.id}", a.data or b"", f"flow {target}") for a in models)
    return items


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
) -> None:
    """Write one self-contained HTML page: a 3D viewer (orbit, zoom) and facts per model.

    The viewer is bundled into the page, which works offline and can be sent as one file.
    """
    items = _items(ctx, targets)
    page = write_page(items, output, title=f"generio preview: {len(items)} model(s)")
    say(f"preview of {len(items)} model(s) written to {page}")
    if open_page:
        webbrowser.open(page.resolve().as_uri())
