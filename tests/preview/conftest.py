"""Fixtures of the preview tests: a facade client on the plugin's emulator, and models."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from generio import Generio
from generio.testing import Emulator, no_delays


@pytest.fixture(autouse=True)
def _no_delays() -> Iterator[None]:
    """Zero generio's poll and retry delays."""
    with no_delays():
        yield


@pytest.fixture
def emu(generio_emulator: Emulator) -> Emulator:
    """Use the plugin's session emulator, reset, with short flows."""
    generio_emulator.flow_seconds = 0.1
    return generio_emulator


@pytest.fixture
def client(emu: Emulator) -> Iterator[Generio]:
    """Open a facade client on the emulator."""
    with Generio(emu.api_key, emu.base_url) as opened:
        yield opened


@pytest.fixture
def models(client: Generio, tmp_path: Path) -> list[Path]:
    """Save two emulator models (a textured chair, a plain low vase) as GLB files."""
    chair = client.run("model_generate_fromprompt", "a wooden chair", out_dir=tmp_path / "a")
    vase = client.run(
        "model_generate_fromprompt",
        "a vase",
        parameters={"quality": "low", "texture": False},
        out_dir=tmp_path / "b",
    )
    return [*chair.paths, *vase.paths]
