"""The committed ``openapi.json``, which the emulator serves instead of a generated spec.

A wheel carries it as ``generio/testing/openapi.json`` (hatch ``force-include``); a source
checkout reads it from the repository root. There is never a second copy in the repository.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

__all__ = ["openapi_bytes"]


@functools.cache
def openapi_bytes() -> bytes:
    """Return the spec's bytes, exactly as committed.

    Raises:
        FileNotFoundError: When neither the packaged copy nor the source tree's file exists.
    """
    packaged = resources.files("generio.testing").joinpath("openapi.json")
    if packaged.is_file():
        return packaged.read_bytes()
    source = Path(__file__).resolve().parents[2] / "openapi.json"
    if source.is_file():
        return source.read_bytes()
    raise FileNotFoundError(
        "openapi.json is neither packaged in generio.testing nor at the source tree's root; "
        "reinstall generio"
    )
