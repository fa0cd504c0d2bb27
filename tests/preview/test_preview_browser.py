"""The preview page renders in a real browser: Debian's headless Chromium, via Playwright.

Playwright only drives the browser found at /usr/bin/chromium (``apt-get install
chromium``; ``.ci/run`` installs it); nothing downloads a browser build. WebGL runs on
SwiftShader, Chromium's CPU renderer, so no GPU is needed. Skipped, saying why, where
Chromium is missing (failed instead when ``$CI`` is set: CI must run it).
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from generio._cli._show import write_page
from generio._preview import PreviewItem
from generio.testing import sample_png
from generio.testing._images import sniff_image
from generio.testing._meshes import image_model, prompt_model

CHROMIUM = Path(os.environ.get("GENERIO_TEST_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-dev-shm-usage",
    "--no-first-run",
]
BACKGROUND = (0xEE, 0xF0, 0xF3)  # model-viewer's background in the page's style


def _need_chromium() -> None:
    """Skip where Chromium is missing, saying why; in CI (``$CI`` set), fail instead."""
    if CHROMIUM.is_file():
        return
    message = (
        f"no Chromium at {CHROMIUM}: install Debian's (apt-get install chromium) to run "
        "the browser test"
    )
    if os.environ.get("CI"):
        pytest.fail(f"{message}; .ci/run installs it, so CI must have it")
    pytest.skip(message)


def _model_pixels(png: bytes) -> int:
    """Count pixels of a screenshot clearly unlike the viewer's plain background."""
    with Image.open(io.BytesIO(png)) as shot:
        rgb = np.asarray(shot.convert("RGB"), dtype=np.int32)
    distance = np.abs(rgb - np.array(BACKGROUND)).sum(axis=2)
    return int((distance > 60).sum())


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium for the module's pages: a launch costs about a second of CPU."""
    _need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


@contextlib.contextmanager
def _browser_page(
    browser: Any, width: int, height: int
) -> Iterator[tuple[Any, list[str], list[str]]]:
    """Open a page in a fresh context; yield it with the console errors and the URLs it asked."""
    problems: list[str] = []
    requests: list[str] = []
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("request", lambda request: requests.append(request.url))
        yield page, problems, requests
    finally:
        context.close()


def _off_page(requests: list[str]) -> list[str]:
    return [url for url in requests if url.startswith(("http:", "https:"))]


def _viewer_shots(page: Any, path: Path) -> list[bytes]:
    """Open a page of viewers; once every model loaded and rendered, screenshot each viewer."""
    page.goto(path.resolve().as_uri())
    page.wait_for_function(
        "[...document.querySelectorAll('model-viewer')].every(v => v.dataset.loaded === 'true')",
        timeout=120_000,
    )
    # Three frames after the load event: model-viewer renders on the frame after it.
    page.evaluate(
        "new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() =>"
        " requestAnimationFrame(done))))"
    )
    return [viewer.screenshot() for viewer in page.query_selector_all("model-viewer")]


def _fill(png: bytes) -> float:
    """How much of the box around the drawn model it fills: a tile near 1, a chair far less."""
    with Image.open(io.BytesIO(png)) as shot:
        rgb = np.asarray(shot.convert("RGB"), dtype=np.int32)
    drawn = np.abs(rgb - np.array(BACKGROUND)).sum(axis=2) > 60
    rows, columns = np.nonzero(drawn)
    box = drawn[rows.min() : rows.max() + 1, columns.min() : columns.max() + 1]
    return float(box.mean())


# SwiftShader: ~9 s of CPU per page, almost all of it fixed (the same for one model or
# three: model-viewer builds its lighting on the CPU-emulated GPU), so each test loads one page.
@pytest.mark.serial
def test_the_demo_page_shows_three_chairs_offline(browser: Any, tmp_path: Path) -> None:
    """The demo's page shows its three models, offline, error-free, as chairs, not tiles."""
    from generio._cli._demo import run_demo

    result = run_demo(tmp_path / "demo", flow_seconds=0.05)
    with _browser_page(browser, 1400, 1000) as (page, problems, requests):
        demo = _viewer_shots(page, tmp_path / "demo" / "index.html")
    print("model pixels per canvas:", [_model_pixels(shot) for shot in demo])
    assert problems == []
    assert _off_page(requests) == []
    assert len(demo) == len(result.paths) == 3
    for path, shot in zip(result.paths, demo, strict=True):
        (tmp_path / f"{path.stem}-screenshot.png").write_bytes(shot)  # to look at by hand
        # A model covers a good part of its 340-px-high canvas; an empty one covers nothing.
        assert _model_pixels(shot) > 5_000, path.name
        # Legs, seat and back leave gaps: a chair fills well under its box; a tile fills it.
        assert _fill(shot) < 0.6, path.name


@pytest.mark.serial
def test_the_preview_page_renders_every_model_offline(browser: Any, tmp_path: Path) -> None:
    """`generio preview`'s page shows a prompt model and an image relief, offline, error-free."""
    png = sample_png(16, 16)
    items = [
        PreviewItem(
            "vase", prompt_model("a vase", {"quality": "low", "seed": 2, "texture": False})
        ),
        PreviewItem("relief", image_model(png, sniff_image(png), "image/png", {"quality": "low"})),
    ]
    page_path = write_page(items, tmp_path / "page.html")
    with _browser_page(browser, 1400, 1000) as (page, problems, requests):
        shots = _viewer_shots(page, page_path)
    print("model pixels per canvas:", [_model_pixels(shot) for shot in shots])
    assert problems == []
    assert _off_page(requests) == []
    assert len(shots) == 2
    for item, shot in zip(items, shots, strict=True):
        assert _model_pixels(shot) > 5_000, item.title


#: A page as Jupyter builds one: outputs inserted one by one with innerHTML, then each script
#: recreated so it runs (what JupyterLab does for trusted outputs), beside RequireJS's
#: `define` (the classic Notebook's), which must not swallow the viewer's UMD bundle.
NOTEBOOK_PAGE = """<!doctype html><html><head><meta charset="utf-8">
<script>
window.define = function () { throw new Error("RequireJS: mismatched anonymous define()"); };
window.define.amd = {};
function show(markup) {
  const output = document.createElement("div");
  output.className = "jp-OutputArea-output";
  output.innerHTML = markup;
  document.body.appendChild(output);
  for (const old of output.querySelectorAll("script")) {
    const script = document.createElement("script");
    script.textContent = old.textContent;
    old.replaceWith(script);
  }
}
</script></head><body></body></html>"""


@pytest.mark.serial
def test_ten_notebook_displays_share_one_viewer_offline(browser: Any, tmp_path: Path) -> None:
    """Ten light displays are upgraded once the one carrying the viewer arrives, in any order.

    All ten become viewers (the custom element defined on the page, once); the first and the
    last load their models (model-viewer loads only near the viewport), with no console error
    and no request beyond the page.
    """
    from generio import Asset
    from generio._preview import forget_viewer

    forget_viewer()
    assets = [
        Asset(
            id=f"out-{n}",
            kind="output",
            mime_type="model/gltf-binary",
            payload=prompt_model(f"a vase {n}", {"quality": "low", "seed": n, "texture": False}),
        )
        for n in range(10)
    ]
    shown = [asset._repr_html_() for asset in assets]
    forget_viewer()
    assert ['customElements.define("model-viewer"' in m for m in shown] == [True] + [False] * 9
    page_path = tmp_path / "notebook.html"
    page_path.write_text(NOTEBOOK_PAGE)
    with _browser_page(browser, 800, 700) as (page, problems, requests):
        page.goto(page_path.resolve().as_uri())
        for markup in shown[1:]:  # a reopened notebook may render the carrier last
            page.evaluate("show", markup)
        undefined = "document.querySelectorAll('model-viewer:not(:defined)').length"
        waiting = page.evaluate(undefined)
        page.evaluate("show", shown[0])
        page.wait_for_function(f"{undefined} === 0", timeout=60_000)
        # model-viewer loads a model only near the viewport: the first and the last.
        viewers = page.query_selector_all("model-viewer")
        for viewer in (viewers[0], viewers[-1]):
            viewer.scroll_into_view_if_needed()
            page.wait_for_function("(v) => v.dataset.loaded === 'true'", arg=viewer, timeout=60_000)
    assert waiting == 9
    assert len(viewers) == 10
    assert problems == []
    assert _off_page(requests) == []
