"""Which optional extra a feature needs, checked before its heavy imports.

Checked by looking the modules up (``importlib.util.find_spec``), not importing them, so the
check costs nothing when the extra is there and fails with :class:`MissingExtraError`, which
names the extra and both ways to install it, when it is not.
"""

from __future__ import annotations

import importlib.util

from generio._errors import MissingExtraError

__all__ = ["CLI_MODULES", "EMULATOR_MODULES", "require_extra"]

#: What each extra brings (the top-level modules to look for).
CLI_MODULES = ("typer", "rich")
EMULATOR_MODULES = ("fastapi", "uvicorn", "starlette", "pydantic")


def _missing(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is None
    except (ImportError, ValueError):  # a parent that fails to import, a None in sys.modules
        return True


def require_extra(feature: str, extra: str, modules: tuple[str, ...]) -> None:
    """Raise unless every module of the extra can be imported.

    Args:
        feature: what needs it, for the message (``generio.testing.Emulator``).
        extra: the extra to install, as pip spells it (``emulator``, ``cli,emulator``).
        modules: the top-level modules the extra brings.

    Raises:
        MissingExtraError: one of ``modules`` is not installed.
    """
    for module in modules:
        if _missing(module):
            raise MissingExtraError(feature, extra, module)
