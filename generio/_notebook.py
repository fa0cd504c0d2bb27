"""Jupyter displays of models: the viewer's code once per notebook, light cards after it."""

from __future__ import annotations

import html
import sys
import threading
from collections.abc import Callable
from typing import Any

_STYLE = """
.generio-preview { font: 14px/1.4 system-ui, sans-serif; }
.generio-preview .gp-title { font-weight: 600; margin: 4px 0 8px; }
.generio-preview .models { display: grid; gap: 12px;
  grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); }
.generio-preview .card { border: 1px solid #ddd; border-radius: 8px; padding: 8px; }
.generio-preview .card h2 { font-size: 14px; margin: 0 0 6px; overflow-wrap: anywhere; }
.generio-preview model-viewer { display: block; width: 100%; height: 300px;
  background: #eef0f3; border-radius: 6px; }
.generio-preview model-viewer:not(:defined)::before { display: block; padding: 12px;
  color: #a00; content: "The 3D viewer is not on this page: it comes with the first model "
  "shown in this kernel session. Run that cell again, or any cell showing a model after "
  "restarting the kernel."; }
.generio-preview table { border-collapse: collapse; margin-top: 6px; }
.generio-preview th { text-align: left; font-weight: 600; padding: 1px 10px 1px 0; }
.generio-preview .problem { color: #a00; }
"""

# Marks each viewer of this display once its model has loaded (tests look for it) and
# reports a model that fails to load on the console.
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


class _Ledger:
    """Where this kernel last sent the viewer's code: a cell and the request that ran it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sent = False
        self.cell: str | None = None
        self.request: str | None = None

    def needs_code(self) -> bool:
        """Whether this display must carry the code; records it when it does."""
        if "google.colab" in sys.modules:  # every output in a page of its own
            return True
        cell, request = _current_cell()
        with self.lock:
            rerun = cell is not None and cell == self.cell and request != self.request
            if self.sent and not rerun:
                return False
            self.sent, self.cell, self.request = True, cell, request
            return True


_LEDGER = _Ledger()


def forget_viewer() -> None:
    """Send the code with the next display again, as after a kernel restart."""
    with _LEDGER.lock:
        _LEDGER.sent, _LEDGER.cell, _LEDGER.request = False, None, None


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
    """Wrap the viewer's UMD code: defined once per page, beside RequireJS too."""
    if "</script" in code.lower():  # cannot sit inside a <script> as it is
        raise ValueError("the viewer's code contains </script>")
    return (
        '<script>if (!customElements.get("model-viewer")) {'
        f"(function (define, exports, module) {{\n{code}\n}}).call(globalThis);"
        "}</script>"
    )


def display_html(cards: str, title: str, viewer_code: Callable[[], str]) -> str:
    """Return one Jupyter display: the cards, and the viewer's code when this one carries it."""
    code = _guarded(viewer_code()) if _LEDGER.needs_code() else ""
    return (
        f'<div class="generio-preview"><style>{_STYLE}</style>{code}'
        f'<div class="gp-title">{html.escape(title)}</div>'
        f'<div class="models">{cards}</div><script>{_WATCH}</script></div>'
    )
