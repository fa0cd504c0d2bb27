"""generio's public surface: one sorted __all__ that matches what the package exposes."""

from __future__ import annotations

import inspect
import subprocess
import sys
import types

import pytest

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


#: The blocking name of a method whose async twin is named otherwise.
_ASYNC_NAMES = {"close": "aclose", "__iter__": "__aiter__", "__next__": "__anext__"}
_TWINS = [
    (generio.Generio, generio.AsyncGenerio),
    (generio.Flows, generio.AsyncFlows),
    (generio.Templates, generio.AsyncTemplates),
    (generio.OutputStream, generio.AsyncOutputStream),
]


def _surface(cls: type) -> dict[str, object]:
    """Public members of ``cls``, inherited ones included (mixins, bases)."""
    return {
        name: member
        for name, member in inspect.getmembers(cls)
        if not name.startswith("_") or name in _ASYNC_NAMES or name in _ASYNC_NAMES.values()
        if name not in vars(object) or name in vars(cls)
    }


def _parameters(member: object) -> list[str]:
    return list(inspect.signature(member).parameters) if callable(member) else []


@pytest.mark.parametrize(("sync", "twin"), _TWINS, ids=lambda cls: cls.__name__)
def test_sync_and_async_surfaces_match(sync: type, twin: type) -> None:
    """Each async class offers the blocking one's members, inherited ones included, alike."""
    blocking = {_ASYNC_NAMES.get(name, name): member for name, member in _surface(sync).items()}
    awaited = _surface(twin)
    assert set(blocking) == set(awaited)
    for name, member in blocking.items():
        assert _parameters(member) == _parameters(awaited[name]), name
        assert isinstance(member, property) == isinstance(awaited[name], property), name


def test_the_surface_comparison_sees_inherited_methods() -> None:
    """Methods from mixins and bases count (run_many, with_options, find, outputs)."""
    assert {"run_many", "iter_run_many", "with_options", "low_level"} <= set(
        _surface(generio.AsyncGenerio)
    )
    assert {"find", "outputs", "stream_output"} <= set(_surface(generio.AsyncFlows))


def test_import_stays_light() -> None:
    """Importing generio loads neither httpx, the generated client, anyio, fastapi nor typer.

    httpx waits for the first client (``import generio`` for ``generio.data_uri`` stays cheap);
    with httpcore before 1.0 it would also bring anyio.
    """
    code = (
        "import sys, generio; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'httpx', 'generio_api', 'anyio', 'fastapi', 'typer', 'uvicorn', 'pydantic'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
