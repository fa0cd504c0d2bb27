"""Fixtures of the preview tests: models saved from the emulator."""

from __future__ import annotations

from pathlib import Path

import pytest

from generio import Generio


@pytest.fixture
def models(sync_client: Generio, tmp_path: Path) -> list[Path]:
    """Save two emulator models (a textured chair, a plain low vase) as GLB files."""
    chair = sync_client.run("model_generate_fromprompt", "a wooden chair", out_dir=tmp_path / "a")
    vase = sync_client.run(
        "model_generate_fromprompt",
        "a vase",
        parameters={"quality": "low", "texture": False},
        out_dir=tmp_path / "b",
    )
    return [*chair.paths, *vase.paths]
