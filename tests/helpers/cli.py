"""Constants and small checks shared by the CLI tests."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner, Result

from generio._cli import app
from generio.testing import Emulator
from tests.helpers.gltf_check import problems

PROMPT_TEMPLATE = "model_generate_fromprompt"
IMAGE_TEMPLATE = "model_generate_fromimage"
OPTIMIZE_TEMPLATE = "model_optimize"
TEMPLATES = {PROMPT_TEMPLATE, IMAGE_TEMPLATE, OPTIMIZE_TEMPLATE}
#: Flows of the CLI tests take this long (the poll delays are zeroed).
FLOW_SECONDS = 0.2
#: A flow that outlives any test: for waiting, aborting and interrupting.
SLOW_FLOW_SECONDS = 60.0


_CLEAN_ENV: dict[str, str | None] = {"GENERIO_API_KEY": None, "GENERIO_BASE_URL": None}


class Cli:
    """Invoke ``generio`` in-process against an emulator; returns typer's ``Result``."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu

    def __call__(
        self, *args: str, key: str | None = "", env: dict[str, str | None] | None = None
    ) -> Result:
        """Run ``generio --base-url URL --api-key KEY ARGS...``.

        Args:
            args: the command line after the global options.
            key: the key to pass; "" for the emulator's, None to pass no ``--api-key``.
            env: extra environment variables (None removes one).
        """
        options = ["--base-url", self.emu.base_url]
        if key is not None:
            options += ["--api-key", key or self.emu.api_key]
        return CliRunner().invoke(
            app, [*options, *args], env={**_CLEAN_ENV, **(env or {})}, catch_exceptions=False
        )


def is_glb(path: Path) -> bool:
    """Whether the whole file is a valid binary glTF 2.0 (parsed and checked, not its header)."""
    return problems(path.read_bytes()) == []
