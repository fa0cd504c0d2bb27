"""Which optional extra a feature needs, checked before its heavy imports."""

from __future__ import annotations

import importlib.util

from generio._errors import MissingExtraError

#: What each extra brings (the top-level modules to look for).
CLI_MODULES = ("typer", "rich")
EMULATOR_MODULES = ("fastapi", "uvicorn", "starlette", "pydantic")


def _missing(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is None
    except (ImportError, ValueError):  # a parent that fails to import, a None in sys.modules
        return True


def require_extra(feature: str, extra: str, modules: tuple[str, ...]) -> None:
    """Raise unless every module of the extra can be imported."""
    for module in modules:
        if _missing(module):
            raise MissingExtraError(feature, extra, module)
