"""generio's public surface: one sorted __all__ that matches what the package exposes."""

from __future__ import annotations

import inspect
import subprocess
import sys
import types

import generio
from generio import _errors

PUBLIC_MODULES = {"data_uri"}


def _public_names() -> set[str]:
    names = set()
    for name in dir(generio):
        if name.startswith("_"):
            continue
        value = getattr(generio, name)
        # Subpackages (generio.testing) appear once imported; they are not re-exports.
        if isinstance(value, types.ModuleType) and name not in PUBLIC_MODULES:
            continue
        names.add(name)
    return names


def test_all_is_sorted_and_unique() -> None:
    """__all__ is sorted and has no duplicates."""
    assert generio.__all__ == sorted(generio.__all__)
    assert len(set(generio.__all__)) == len(generio.__all__)


def test_all_matches_public_names() -> None:
    """Every public name is in __all__, and every name in __all__ resolves."""
    for name in generio.__all__:
        getattr(generio, name)
    assert _public_names() | {"__version__"} == set(generio.__all__)


def test_surface_the_acceptance_tests_import() -> None:
    """The fixed surface: clients, data_uri, models and the error tree."""
    from generio import AsyncGenerio, Generio, data_uri

    assert callable(data_uri.encode)
    assert callable(data_uri.decode)
    for cls in (Generio, AsyncGenerio):
        assert {"run", "low_level", "close" if cls is Generio else "aclose"} <= set(dir(cls))
    assert hasattr(AsyncGenerio, "run_many")


def test_every_error_is_exported() -> None:
    """Each GenerioError subclass of _errors can be imported from generio itself."""
    errors = {
        name
        for name, value in vars(_errors).items()
        if inspect.isclass(value) and issubclass(value, _errors.GenerioError)
    }
    assert errors <= set(generio.__all__)


def test_sync_and_async_surfaces_match() -> None:
    """AsyncGenerio offers the same public methods as Generio (plus run_many)."""
    from generio._async_client import AsyncFlows, AsyncTemplates
    from generio._client import Flows, Templates

    def methods(cls: type) -> set[str]:
        return {n for n, v in vars(cls).items() if callable(v) and not n.startswith("_")}

    assert methods(Flows) == methods(AsyncFlows)
    assert methods(Templates) == methods(AsyncTemplates)
    sync_params = inspect.signature(Flows.wait).parameters
    assert list(sync_params) == list(inspect.signature(AsyncFlows.wait).parameters)


def test_import_stays_light() -> None:
    """Importing generio loads neither the generated client, anyio, fastapi nor typer."""
    code = (
        "import sys, generio; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'generio_api', 'anyio', 'fastapi', 'typer', 'uvicorn', 'pydantic'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
