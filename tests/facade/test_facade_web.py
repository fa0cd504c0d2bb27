"""The documented FastAPI recipes, served for real: uvicorn, httpx clients, faults, memory.

Each recipe (``docs/recipes/serve_models*.py``, the README's own code) runs under uvicorn in
a child process against the emulator. Fifty clients download one model at once; every one
gets the emulator's exact bytes, with the output's MIME type, while the app's memory stays
far below one model per client. The full-size load (a 200 MB model) is the ``stream
service`` benchmark row (``nox -s bench``).
"""

from __future__ import annotations

import hashlib
import re

import anyio
import httpx
import pytest

from generio import Generio
from generio.testing import Emulator
from tests.helpers.emulator import finished_output, fired
from tests.helpers.facade import PROMPT_TEMPLATE
from tests.helpers.web import RECIPES, peak_mb, reset_peak, rss_mb, serve_recipe

RECIPE_NAMES = ["serve_models", "serve_models_sync"]
#: The model the default suite serves: big enough that holding it once per client shows.
MODEL_BYTES = 3_000_000
CLIENTS = 50
#: What the app may grow by while fifty clients download (measured: about 20 MB), far
#: below the 150 MB that holding each client's model whole would take.
GROWTH_BOUND_MB = 48.0


def _model(emu: Emulator, size: int = MODEL_BYTES) -> tuple[str, str, bytes]:
    """Make a finished flow with one output of about ``size`` bytes; its ids and bytes."""
    return finished_output(emu, size)


async def _download_all(url: str, clients: int) -> list[tuple[int, str, str]]:
    """Download ``url`` with ``clients`` concurrent httpx requests: status, type, sha256."""
    results: list[tuple[int, str, str]] = []
    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(timeout=120.0, limits=limits) as http:

        async def one() -> None:
            digest = hashlib.sha256()
            async with http.stream("GET", url) as response:
                async for chunk in response.aiter_bytes():
                    digest.update(chunk)
                results.append(
                    (response.status_code, response.headers["content-type"], digest.hexdigest())
                )

        async with anyio.create_task_group() as group:
            for _ in range(clients):
                group.start_soon(one)
    return results


def test_readme_shows_the_async_recipe_as_tested() -> None:
    """The README's FastAPI example is docs/recipes/serve_models.py, word for word."""
    readme = (RECIPES.parents[1] / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.DOTALL)
    recipe = (RECIPES / "serve_models.py").read_text()
    body = recipe.split('"""', 2)[2].strip()  # without the module docstring
    assert any(block.strip() == body for block in blocks)


@pytest.mark.parametrize("recipe", RECIPE_NAMES)
def test_fifty_concurrent_downloads_get_the_whole_model(emu: Emulator, recipe: str) -> None:
    """50 clients at once each get the model's exact bytes; the app's memory stays bounded."""
    flow_id, asset_id, expected = _model(emu)
    with serve_recipe(recipe, emu) as app:
        url = f"{app.url}/models/{flow_id}/{asset_id}"
        (warm,) = anyio.run(_download_all, url, 1)  # imports, pools, thread pool: warm
        assert warm[0] == 200, app.log
        idle = rss_mb(app.pid)
        reset_peak(app.pid)
        results = anyio.run(_download_all, url, CLIENTS)
        growth = peak_mb(app.pid) - idle
    digest = hashlib.sha256(expected).hexdigest()
    assert results == [(200, "model/gltf-binary", digest)] * CLIENTS
    assert growth < GROWTH_BOUND_MB, f"{recipe} grew {growth:.1f} MB"
    assert CLIENTS * len(expected) / 1e6 > 3 * GROWTH_BOUND_MB  # holding models would show


@pytest.mark.parametrize("recipe", RECIPE_NAMES)
def test_more_readers_than_httpx_s_hundred_connections(emu: Emulator, recipe: str) -> None:
    """150 clients at once, past httpx's default of 100 connections: every one is served.

    The blocking recipe stalled for good there: handlers waiting for a connection held the
    threads that the open streams needed to read on and give theirs back.
    """
    flow_id, asset_id, expected = _model(emu, 500_000)
    readers = 150

    async def download() -> list[tuple[int, str, str]]:
        with anyio.fail_after(60):  # served in seconds; a stall shows here
            return await _download_all(f"{app.url}/models/{flow_id}/{asset_id}", readers)

    with serve_recipe(recipe, emu) as app:
        results = anyio.run(download)
    digest = hashlib.sha256(expected).hexdigest()
    assert results == [(200, "model/gltf-binary", digest)] * readers


@pytest.mark.parametrize("recipe", RECIPE_NAMES)
def test_recipe_rides_out_faults_and_answers_errors_with_statuses(
    emu: Emulator, recipe: str
) -> None:
    """503s, resets and cut bodies never reach the clients; 404 and 409 come before a body."""
    flow_id, asset_id, expected = _model(emu, 2_000_000)
    emu.flow_seconds = 3600
    with Generio(emu.api_key, emu.base_url) as client:
        running = client.flows.create(PROMPT_TEMPLATE, inputs=["a lamp"])
    with serve_recipe(recipe, emu) as app:
        url = f"{app.url}/models/{flow_id}/{asset_id}"
        emu.add_fault("unavailable", "get_output", count=3, retry_after=0)
        emu.add_fault("truncated_json", "get_output", count=2)
        emu.add_fault("connection_reset", "get_output", count=2)
        results = anyio.run(_download_all, url, 4)
        with httpx.Client(base_url=app.url, timeout=60.0) as http:
            missing = http.get("/models/0123456789abcdef01234567/a1")
            early = http.get(f"/models/{running.id}/a1")
    digest = hashlib.sha256(expected).hexdigest()
    assert results == [(200, "model/gltf-binary", digest)] * 4
    assert sorted(set(fired(emu))) == [
        ("connection_reset", "get_output"),
        ("truncated_json", "get_output"),
        ("unavailable", "get_output"),
    ]
    assert len(emu.fault_log) == 7
    assert (missing.status_code, missing.json()) == (404, {"detail": "no such model"})
    assert (early.status_code, early.json()) == (409, {"detail": "the model is not ready yet"})
