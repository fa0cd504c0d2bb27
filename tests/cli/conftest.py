"""Fixtures of the CLI tests: ``generio`` invoked in-process against the emulator.

Commands run through typer's ``CliRunner`` with ``--base-url``/``--api-key`` pointing at the
plugin's emulator and the ``GENERIO_*`` variables removed, so the developer's own settings
never leak in. The emulator and zero delays come from ``tests/conftest.py``; a few tests run
``python -m generio`` as a subprocess where only a real process shows the behaviour (signals,
start-up imports).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generio.testing import Emulator, sample_png
from tests.helpers.cli import FLOW_SECONDS, Cli


@pytest.fixture
def flow_seconds() -> float:
    """Flows of the CLI tests: short (the poll delays are zeroed)."""
    return FLOW_SECONDS


@pytest.fixture
def cli(emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """Provide ``generio`` bound to the emulator, run from a temporary directory.

    ``run`` saves into the current directory by default: a test that forgets ``-o`` must
    not leave models in the checkout.
    """
    monkeypatch.chdir(tmp_path)
    return Cli(emu)


@pytest.fixture
def png(tmp_path: Path) -> Path:
    """Write a small valid PNG to use as an input file."""
    path = tmp_path / "sketch.png"
    path.write_bytes(sample_png(8, 8))
    return path


@pytest.fixture
def subprocess_env(emu: Emulator) -> dict[str, str]:
    """Build the environment of a ``python -m generio`` child aimed at the emulator."""
    return {
        **os.environ,
        "GENERIO_API_KEY": emu.api_key,
        "GENERIO_BASE_URL": emu.base_url,
        "PYTHONUNBUFFERED": "1",
    }
