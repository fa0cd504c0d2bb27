"""Errors that cross process boundaries: pickled whole, rebuilt without calling ``__init__``."""

from __future__ import annotations

import types
from typing import Any

_DESCRIPTORS = (types.MemberDescriptorType, types.GetSetDescriptorType)
_PLAIN = (BaseException, Exception, object)


def _native_fields(error: BaseException) -> dict[str, Any]:
    """Return the fields a built-in base keeps outside ``__dict__`` (``errno``, ...)."""
    found: dict[str, Any] = {}
    for klass in type(error).__mro__:
        if klass.__module__ != "builtins" or klass in _PLAIN:
            continue
        for name, descriptor in vars(klass).items():
            if name.startswith("__") or not isinstance(descriptor, _DESCRIPTORS):
                continue
            try:
                value = getattr(error, name)
            except AttributeError:  # a field never set (OSError.characters_written)
                continue
            if value is not None:  # unset: restoring None would change str() of an OSError
                found.setdefault(name, value)
    return found


def reduce_error(error: BaseException) -> tuple[Any, ...]:
    """Pickle ``error`` as its class, args, native fields and instance attributes."""
    state = dict(getattr(error, "__dict__", {}))
    return (restore_error, (type(error), error.args, _native_fields(error), state))


def restore_error(
    cls: type[BaseException], args: tuple[Any, ...], native: dict[str, Any], state: dict[str, Any]
) -> BaseException:
    """Rebuild an error pickled by :func:`reduce_error`, without running its ``__init__``."""
    error = cls.__new__(cls, *args)
    error.args = args
    for name, value in native.items():
        try:
            setattr(error, name, value)
        except (AttributeError, TypeError):  # read-only in this Python version
            continue
    error.__dict__.update(state)
    return error
