"""The installed distribution's version, read from its metadata on first use."""

import functools
from typing import TYPE_CHECKING, Any

__all__ = ["version", "wheel_path"]  # and ``__version__``, computed on access

if TYPE_CHECKING:
    #: The installed version (``__getattr__`` below computes it): a ``str`` to type checkers.
    __version__: str


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
