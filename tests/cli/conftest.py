"""Fixtures of the CLI tests: the emulator, and ``generio`` invoked in-process against it.

Commands run through typer's ``CliRunner`` with ``--base-url``/``--api-key`` pointing at the
plugin's emulator and the ``GENERIO_*`` variables removed, so the developer's own settings
never leak in. Retry and poll delays are zeroed; a few tests run ``python -m generio`` as a
subprocess where only a real process shows the behaviour (signals, start-up imports).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import FLOW_SECONDS, Cli

from generio import Generio
from generio.testing import Emulator, no_delays, sample_png


@pytest.fixture(autouse=True)
def _no_delays() -> Iterator[None]:
    """Zero generio's poll and retry delays: a CLI test never sleeps through them."""
    with no_delays():
        yield


@pytest.fixture
def emu(generio_emulator: Emulator) -> Emulator:
    """Use the plugin's session emulator, reset, with short flows."""
    generio_emulator.flow_seconds = FLOW_SECONDS
    return generio_emulator


@pytest.fixture
def cli(emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """Provide ``generio`` bound to the emulator, run from a temporary directory.

    ``run`` saves into the current directory by default: a test that forgets ``-o`` must
    not leave models in the checkout.
    """
    monkeypatch.chdir(tmp_path)
    return Cli(emu)


@pytest.fixture
def client(emu: Emulator) -> Iterator[Generio]:
    """Open a facade client on the emulator, to set up and check what the CLI did."""
    with Generio(emu.api_key, emu.base_url) as opened:
        yield opened


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
