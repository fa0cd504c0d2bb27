"""Self-contained HTML pages of GLB models: Jupyter's view of assets, ``generio preview``.

In Jupyter the viewer's code goes once per notebook, light cards after it.
"""

from __future__ import annotations

import base64
import functools
import html
import sys
import threading
from collections.abc import Sequence
from typing import Any

import attrs

from generio._glbinfo import ModelFacts, model_facts

VIEWER_VERSION = "4.4.0"
#: Models above this many bytes in all are summarised, not embedded, in a notebook.
INLINE_MAX_BYTES = 10 * 1024 * 1024
GLB_MIME = "model/gltf-binary"

# One look for notebook displays and pages (whose body carries the class).
_STYLE = """
.generio-preview { font: 14px/1.4 system-ui, sans-serif; color: #222; }
.generio-preview .gp-title { font-size: 16px; font-weight: 600; margin: 4px 0 10px; }
.generio-preview .models { display: grid; gap: 12px;
  grid-template-columns: repeat(auto-fill, minmax(380px, 1fr)); }
.generio-preview .card { border: 1px solid #ddd; border-radius: 8px; padding: 8px; }
.generio-preview .card h2 { font-size: 14px; margin: 0 0 6px; overflow-wrap: anywhere; }
.generio-preview model-viewer { display: block; width: 100%; height: 320px;
  background: #eef0f3; border-radius: 6px; }
.generio-preview model-viewer:not(:defined)::before { display: block; padding: 12px;
  color: #a00; content: "The 3D viewer is not on this page: it comes with the first model "
  "shown in this kernel session. Run that cell again, or any cell showing a model after "
  "restarting the kernel."; }
.generio-preview table { border-collapse: collapse; margin-top: 6px; }
.generio-preview th { text-align: left; font-weight: 600; padding: 1px 10px 1px 0;
  vertical-align: top; }
.generio-preview .problem { color: #a00; }
.generio-preview footer { margin-top: 16px; color: #777; font-size: 12px; }
"""

# Marks each viewer of the page or display once its model has loaded (tests look for it)
# and reports a model that fails to load on the console.
_WATCH = """
(() => {
  const here = document.currentScript && document.currentScript.parentElement;
  for (const viewer of (here || document).querySelectorAll("model-viewer:not([data-watched])")) {
    viewer.dataset.watched = "true";
    viewer.addEventListener("load", () => { viewer.dataset.loaded = "true"; });
    viewer.addEventListener("error", (event) => {
      console.error("generio preview: a model failed to load:", viewer.alt, event.detail);
    });
  }
})();
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


_LOCK = threading.Lock()
#: Where this kernel last sent the viewer's code: [(cell id, execute request id)], or [].
_SENT: list[tuple[str | None, str | None]] = []


def _needs_code() -> bool:
    """Whether this display must carry the viewer's code; records it when it does."""
    if "google.colab" in sys.modules:  # every output in a page of its own
        return True
    cell, request = _current_cell()
    with _LOCK:
        last = _SENT[0] if _SENT else None
        # Sent once per kernel, and again when the cell that carried it runs again.
        rerun = last is not None and cell is not None and cell == last[0] and request != last[1]
        if last is not None and not rerun:
            return False
        _SENT[:] = [(cell, request)]
        return True


def forget_viewer() -> None:
    """Send the code with the next display again, as after a kernel restart."""
    with _LOCK:
        _SENT.clear()


def _current_cell() -> tuple[str | None, str | None]:
    """Return the running cell's id and its execute request's id, when IPython knows them."""
    ipython = sys.modules.get("IPython")  # never imported here: only where it runs already
    try:
        shell: Any = ipython.get_ipython() if ipython is not None else None
        kernel = getattr(shell, "kernel", None)
        if kernel is None:
            return None, None
        getter = getattr(kernel, "get_parent", None)
        parent = getter("shell") if getter is not None else kernel._parent_header
        cell = parent.get("metadata", {}).get("cellId")
        request = parent.get("header", {}).get("msg_id")
    except Exception:  # noqa: BLE001 - a kernel of another shape: fall back to once per kernel
        return None, None
    return (cell if isinstance(cell, str) else None), (
        request if isinstance(request, str) else None
    )


def _guarded(code: str) -> str:
    """Wrap the viewer's UMD code: defined once per page or notebook, beside RequireJS too."""
    if "</script" in code.lower():  # cannot sit inside a <script> as it is
        raise ValueError("the viewer's code contains </script>")
    return (
        '<script>if (!customElements.get("model-viewer")) {'
        f"(function (define, exports, module) {{\n{code}\n}}).call(globalThis);"
        "}</script>"
    )


def display_html(cards: str, title: str) -> str:
    """Return one Jupyter display: the cards, and the viewer's code when this one carries it."""
    code = _guarded(_viewer_code()) if _needs_code() else ""
    return (
        f'<div class="generio-preview"><style>{_STYLE}</style>{code}'
        f'<div class="gp-title">{html.escape(title)}</div>'
        f'<div class="models">{cards}</div><script>{_WATCH}</script></div>'
    )


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
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style>{_guarded(_viewer_code())}</head>"
        f'<body class="generio-preview" style="margin: 16px; background: #fff">'
        f'<h1 class="gp-title">{html.escape(title)}</h1><main class="models">\n{cards}\n</main>'
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
    return display_html("".join(_card(item) for item in items), title)


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
