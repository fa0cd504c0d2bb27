"""generio: the Python SDK for the GENERIO Flows API."""

from generio._version import __version__

__all__ = ["__version__"]
