"""The installed distribution's version, read from its metadata on first use.

Reading it means ``importlib.metadata`` and a scan of the installed distributions, which
would be a third of generio's import time; ``__version__`` is computed when first asked for.
"""

import functools
from typing import Any

__all__ = ["version", "wheel_path"]  # and ``__version__``, computed on access


@functools.cache
def version() -> str:
    """Return generio's version, ``0.0.0+unknown`` in a source tree never installed."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as distribution_version

    try:
        return distribution_version("generio")
    except PackageNotFoundError:
        return "0.0.0+unknown"


def wheel_path() -> str:
    """Return where ``nox -s build`` puts this version's wheel, relative to the clone."""
    number = version()
    return f"dist/generio-{'<version>' if '+unknown' in number else number}-py3-none-any.whl"


def __getattr__(name: str) -> Any:
    """Compute ``__version__`` on first access (PEP 562)."""
    if name == "__version__":
        return version()
    raise AttributeError(f"module 'generio._version' has no attribute {name!r}")
