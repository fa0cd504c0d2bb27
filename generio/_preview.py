"""Self-contained HTML previews of GLB models: ``generio preview``, the demo page, Jupyter.

A page holds one card per model: Google's ``<model-viewer>`` (orbit with a drag, zoom with
the wheel or a pinch) and the model's facts beside it (see :mod:`generio._glbinfo`). The
viewer's script (model-viewer 4.4.0, which bundles three.js) ships inside the package under
``_preview_assets/`` with its licences and is inlined into every page, and each model is
embedded as a base64 data URI, so a page opens offline, from a file, anywhere.

In Jupyter, ``Asset._repr_html_`` and ``RunResult._repr_html_`` show the same cards while the
models add up to at most :data:`INLINE_MAX_BYTES`, with the viewer's code sent once per
notebook (see :mod:`generio._notebook`); above that (a notebook would carry the whole model
in its output) they show a short text summary instead.
"""

from __future__ import annotations

import base64
import functools
import html
import os
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from generio._errors import InputError
from generio._glbinfo import ModelFacts, model_facts
from generio._notebook import display_html

if TYPE_CHECKING:
    from generio._demo import DemoResult
    from generio._models import Asset, RunResult

__all__ = [
    "DEMO_ORBIT",
    "INLINE_MAX_BYTES",
    "VIEWER_VERSION",
    "PreviewItem",
    "asset_html",
    "render_page",
    "result_html",
    "write_demo_page",
    "write_page",
]

VIEWER_VERSION = "4.4.0"
#: Models above this many bytes in all are summarised, not embedded, in a notebook.
INLINE_MAX_BYTES = 10 * 1024 * 1024
_GLB_MIME = "model/gltf-binary"

_STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 16px; color: #222; background: #fff; }
h1 { font-size: 18px; margin: 0 0 12px; }
.models { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr));
  gap: 16px; }
.card { border: 1px solid #ddd; border-radius: 8px; padding: 10px; }
.card h2 { font-size: 15px; margin: 0 0 8px; overflow-wrap: anywhere; }
model-viewer { width: 100%; height: 340px; background: #eef0f3; border-radius: 6px; }
table { border-collapse: collapse; margin-top: 8px; width: 100%; }
th { text-align: left; font-weight: 600; padding: 2px 12px 2px 0; white-space: nowrap;
  vertical-align: top; }
td { padding: 2px 0; }
.problem { color: #a00; }
footer { margin-top: 16px; color: #777; font-size: 12px; }
"""

# Marks each viewer when its model has loaded, and reports a model that fails to load on
# the console (where the browser test looks for errors).
_WATCH = """
for (const viewer of document.querySelectorAll("model-viewer")) {
  viewer.addEventListener("load", () => { viewer.dataset.loaded = "true"; });
  viewer.addEventListener("error", (event) => {
    console.error("generio preview: a model failed to load:", viewer.alt, event.detail);
  });
}
"""


@attrs.frozen
class PreviewItem:
    """One model to show.

    Attributes:
        title: the card's heading (a file name, an asset id).
        data: the GLB's bytes.
        note: an extra line under the heading, e.g. the flow it came from.
    """

    title: str
    data: bytes
    note: str = ""


@functools.cache
def _viewer_code() -> str:
    assets = resources.files("generio") / "_preview_assets"
    code = (assets / "model-viewer.min.js").read_text(encoding="utf-8")
    return code.replace("//# sourceMappingURL=model-viewer-umd.min.js.map", "")


def _viewer_script() -> str:
    code = _viewer_code()
    if "<script" in code.lower() or "</script" in code.lower():  # cannot be inlined as is
        encoded = base64.b64encode(code.encode()).decode()
        return f'<script src="data:text/javascript;base64,{encoded}"></script>'
    return f"<script>{code}</script>"


def _number(value: float) -> str:
    return f"{value:.3g}"


def _size(size: int) -> str:
    for unit, scale in (("MB", 1024 * 1024), ("kB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} bytes"


def _fact_rows(facts: ModelFacts) -> list[tuple[str, str]]:
    rows = [
        ("triangles", f"{facts.triangles:,}"),
        ("vertices", f"{facts.vertices:,}"),
        ("file size", _size(facts.size_bytes)),
    ]
    dims = facts.dimensions
    if dims is not None and facts.bounds_min is not None and facts.bounds_max is not None:
        rows.append(("size (x, y, z)", " x ".join(_number(d) for d in dims)))
        low = ", ".join(_number(v) for v in facts.bounds_min)
        high = ", ".join(_number(v) for v in facts.bounds_max)
        rows.append(("bounding box", f"({low}) to ({high})"))
    else:
        rows.append(("bounding box", "unknown (no POSITION bounds)"))
    textures = f"{facts.textures}" + (f": {'; '.join(facts.images)}" if facts.images else "")
    rows.append(("textures", textures))
    rows.append(("meshes / materials", f"{facts.meshes} / {facts.materials}"))
    if facts.generator:
        rows.append(("generator", facts.generator))
    return rows


def _card(item: PreviewItem, orbit: str | None = None) -> str:
    title = html.escape(item.title)
    note = f"<div>{html.escape(item.note)}</div>" if item.note else ""
    try:
        facts = model_facts(item.data)
    except ValueError as exc:
        problem = html.escape(f"cannot show this model: {exc}")
        body = f'{note}<p class="problem">{problem}</p>'
        return f'<section class="card"><h2>{title}</h2>{body}</section>'
    uri = f"data:{_GLB_MIME};base64," + base64.b64encode(item.data).decode()
    rows = "".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in _fact_rows(facts)
    )
    camera = f' camera-orbit="{html.escape(orbit)}"' if orbit else ""
    viewer = (
        f'<model-viewer src="{uri}" alt="{title}" camera-controls touch-action="pan-y" '
        f'interaction-prompt="none" shadow-intensity="0.7" exposure="1.1"{camera}>'
        "</model-viewer>"
    )
    return f'<section class="card"><h2>{title}</h2>{note}{viewer}<table>{rows}</table></section>'


def render_page(
    items: Sequence[PreviewItem], *, title: str = "generio preview", orbit: str | None = None
) -> str:
    """Build one self-contained HTML page showing every model side by side.

    Args:
        items: the models.
        title: the page's title and heading.
        orbit: where every viewer's camera starts, as model-viewer's ``camera-orbit``
            (``"35deg 70deg auto"``: turned and from above); straight ahead when None.
    """
    cards = "\n".join(_card(item, orbit) for item in items)
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style>{_viewer_script()}</head>"
        f'<body><h1>{html.escape(title)}</h1><main class="models">\n{cards}\n</main>'
        f"<footer>Drag to orbit, scroll or pinch to zoom. Viewer: model-viewer {VIEWER_VERSION} "
        f"(Apache-2.0), bundled; this page needs no network.</footer>"
        f"<script>{_WATCH}</script></body></html>\n"
    )


def write_page(
    items: Sequence[PreviewItem],
    path: str | os.PathLike[str],
    *,
    title: str = "generio preview",
    orbit: str | None = None,
) -> Path:
    """Write :func:`render_page` to ``path`` (folders created) and return the path.

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


def _summary(title: str, data: bytes | None, why: str) -> str:
    """Render the short text shown instead of a viewer."""
    lines = [title]
    if data is not None:
        try:
            lines += [f"  {k}: {v}" for k, v in _fact_rows(model_facts(data))]
        except ValueError as exc:
            lines.append(f"  {exc}")
    lines.append(f"  ({why})")
    return f"<pre>{html.escape(chr(10).join(lines))}</pre>"


def _display(items: Sequence[PreviewItem], title: str) -> str:
    return display_html("".join(_card(item) for item in items), title, _viewer_code)


def _is_glb(asset: Asset) -> bool:
    return asset.mime_type == _GLB_MIME and asset.has_data


def asset_html(asset: Asset) -> str:
    """Jupyter's view of an asset: the viewer up to the size cap, else a summary."""
    title = f"{asset.kind or 'asset'} {asset.id}"
    if not _is_glb(asset):
        what = asset.mime_type or "content not fetched"
        return _summary(title, None, f"{what}: nothing to preview")
    data = asset.data or b""
    if len(data) > INLINE_MAX_BYTES:
        cap = f"larger than the {_size(INLINE_MAX_BYTES)} inline cap; see `generio preview`"
        return _summary(title, data, cap)
    return _display(
        [PreviewItem(title, data, f"flow {asset.flow_id}" if asset.flow_id else "")], title
    )


def result_html(result: RunResult) -> str:
    """Jupyter's view of a run: every GLB output (or saved file) up to the size cap."""
    flow = result.flow
    title = f"flow {flow.id} ({flow.template}, {flow.state})"
    items = [PreviewItem(f"output {a.id}", a.data or b"") for a in result.outputs if _is_glb(a)]
    if not items:
        items = [PreviewItem(p.name, p.read_bytes()) for p in result.paths if p.is_file()]
    if not items:
        return _summary(title, None, "no model data to preview")
    total = sum(len(item.data) for item in items)
    if total > INLINE_MAX_BYTES:
        cap = f"{_size(total)} of models, above the {_size(INLINE_MAX_BYTES)} inline cap"
        return _summary(title, None, f"{cap}; see `generio preview {flow.id}`")
    return _display(items, title)


#: The demo's viewers start turned and from above, so its models show as solids.
DEMO_ORBIT = "35deg 70deg auto"


def _triangles(data: bytes) -> int | None:
    try:
        return model_facts(data).triangles
    except ValueError:
        return None


def write_demo_page(result: DemoResult) -> Path:
    """Write ``index.html`` beside the demo's models, showing them all side by side.

    A step fed the model of the step before (the optimisation) says both triangle counts.
    """
    items = []
    before: bytes | None = None
    for n, step in enumerate(result.steps, 1):
        for path in step.paths:
            data = path.read_bytes()
            note = str(path)
            was, now = _triangles(before or b""), _triangles(data)
            if step.template == "model_optimize" and was is not None and now is not None:
                note += f": {now:,} triangles, simplified from the {was:,} of step {n - 1}"
            items.append(PreviewItem(f"{n}/{len(result.steps)} {step.title}", data, note))
            before = data
    return write_page(
        items, result.out_dir / "index.html", title="generio demo: every model", orbit=DEMO_ORBIT
    )
