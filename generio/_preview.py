"""Self-contained HTML pages of GLB models: Jupyter's view of assets, ``generio preview``."""

from __future__ import annotations

import base64
import functools
import html
from collections.abc import Sequence

import attrs

from generio._glbinfo import ModelFacts, model_facts
from generio._notebook import display_html

VIEWER_VERSION = "4.4.0"
#: Models above this many bytes in all are summarised, not embedded, in a notebook.
INLINE_MAX_BYTES = 10 * 1024 * 1024
GLB_MIME = "model/gltf-binary"

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
    """One model to show."""

    title: str
    data: bytes
    note: str = ""


@functools.cache
def _viewer_code() -> str:
    from importlib import resources  # ~25 ms: loaded with the first page, not the client

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
    uri = f"data:{GLB_MIME};base64," + base64.b64encode(item.data).decode()
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
    """Build one self-contained HTML page showing every model side by side."""
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


def asset_html(title: str, mime_type: str | None, data: bytes | None, note: str) -> str:
    """Jupyter's view of one asset: the viewer up to the size cap, else a summary."""
    if mime_type != GLB_MIME or data is None:
        return _summary(title, None, f"{mime_type or 'content not fetched'}: nothing to preview")
    if len(data) > INLINE_MAX_BYTES:
        cap = f"larger than the {_size(INLINE_MAX_BYTES)} inline cap; see `generio preview`"
        return _summary(title, data, cap)
    return _display([PreviewItem(title, data, note)], title)


def result_html(title: str, items: Sequence[PreviewItem], flow_id: str) -> str:
    """Jupyter's view of a run: every model given, up to the size cap, else a summary."""
    if not items:
        return _summary(title, None, "no model data to preview")
    total = sum(len(item.data) for item in items)
    if total > INLINE_MAX_BYTES:
        cap = f"{_size(total)} of models, above the {_size(INLINE_MAX_BYTES)} inline cap"
        return _summary(title, None, f"{cap}; see `generio preview {flow_id}`")
    return _display(items, title)
