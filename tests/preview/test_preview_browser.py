"""The preview page renders in a real browser: Debian's headless Chromium, via Playwright.

Playwright only drives the browser found at /usr/bin/chromium (``apt-get install
chromium``; ``.ci/run`` installs it); nothing downloads a browser build. WebGL runs on
SwiftShader, Chromium's CPU renderer, so no GPU is needed. Skipped, saying why, where
Chromium is missing (failed instead when ``$CI`` is set: CI must run it).
"""

from __future__ import annotations

import io
import os
from pathlib import Path

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


def _render(*pages: Path) -> tuple[list[str], list[str], list[list[bytes]]]:
    """Open pages in one headless Chromium; return console errors, requests, viewer shots."""
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    requests: list[str] = []
    shots: list[list[bytes]] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            for page_path in pages:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda error: problems.append(str(error)))
                page.on("request", lambda request: requests.append(request.url))
                page.goto(page_path.resolve().as_uri())
                page.wait_for_function(
                    "[...document.querySelectorAll('model-viewer')]"
                    ".every(v => v.dataset.loaded === 'true')",
                    timeout=120_000,
                )
                page.wait_for_timeout(1000)  # a few frames after the load event
                shots.append(
                    [viewer.screenshot() for viewer in page.query_selector_all("model-viewer")]
                )
                page.close()
        finally:
            browser.close()
    return problems, requests, shots


def _fill(png: bytes) -> float:
    """How much of the box around the drawn model it fills: a tile near 1, a chair far less."""
    with Image.open(io.BytesIO(png)) as shot:
        rgb = np.asarray(shot.convert("RGB"), dtype=np.int32)
    drawn = np.abs(rgb - np.array(BACKGROUND)).sum(axis=2) > 60
    rows, columns = np.nonzero(drawn)
    box = drawn[rows.min() : rows.max() + 1, columns.min() : columns.max() + 1]
    return float(box.mean())


def test_the_pages_render_every_model_and_the_demo_shows_three_chairs(tmp_path: Path) -> None:
    """Every canvas shows its model, offline, error-free; the demo's three are chairs, not tiles.

    One browser renders both pages: SwiftShader takes seconds per viewer.
    """
    _need_chromium()
    from generio._cli._demo import run_demo

    result = run_demo(tmp_path / "demo", flow_seconds=0.05)
    png = sample_png(16, 16)
    items = [
        PreviewItem(
            "vase", prompt_model("a vase", {"quality": "low", "seed": 2, "texture": False})
        ),
        PreviewItem("relief", image_model(png, sniff_image(png), "image/png", {"quality": "low"})),
    ]
    problems, requests, (demo, others) = _render(
        tmp_path / "demo" / "index.html", write_page(items, tmp_path / "page.html")
    )
    print("model pixels per canvas:", [_model_pixels(shot) for shot in demo + others])
    assert problems == []
    assert [url for url in requests if url.startswith(("http:", "https:"))] == []
    assert len(demo) == len(result.paths) == 3
    assert len(others) == 2
    for item, shot in zip(items, others, strict=True):
        # A model covers a good part of its 340-px-high canvas; an empty one covers nothing.
        assert _model_pixels(shot) > 5_000, item.title
    for path, shot in zip(result.paths, demo, strict=True):
        (tmp_path / f"{path.stem}-screenshot.png").write_bytes(shot)  # to look at by hand
        assert _model_pixels(shot) > 5_000, path.name
        # Legs, seat and back leave gaps: a chair fills well under its box; a tile fills it.
        assert _fill(shot) < 0.6, path.name
