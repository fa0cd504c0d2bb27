"""Calling the generated client's request builders with the facade's values."""

from __future__ import annotations

import enum
import functools
import importlib
import inspect
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import Any, get_args

from generio._errors import InputError


class _Deferred:
    """A module of ``generio_api`` imported when first used (its models take ~50 ms)."""

    def __init__(self, name: str) -> None:
        self._deferred_name = name

    def __getattr__(self, attribute: str) -> Any:
        module = importlib.import_module(self._deferred_name)
        vars(self).update(vars(module))
        return getattr(module, attribute)


def deferred(name: str) -> Any:
    return _Deferred(name)


def said(request: Mapping[str, Any]) -> str:
    """Return ``METHOD /path`` of a request, as messages quote it."""
    return f"{str(request['method']).upper()} {request['url']}"


@functools.cache
def _keywords(module: ModuleType) -> dict[str, Any]:
    """Return the query parameters ``module._get_kwargs`` takes: name -> annotation."""
    signature = inspect.signature(module._get_kwargs)
    return {
        name: parameter.annotation
        for name, parameter in signature.parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY and name != "body"
    }


def _enums(annotation: Any) -> list[type[enum.Enum]]:
    """Return the enums a parameter's annotation names (``FlowSortField | Unset``: one)."""
    own = isinstance(annotation, type) and issubclass(annotation, enum.Enum)
    found: list[type[enum.Enum]] = [annotation] if own else []
    return found + [e for arg in get_args(annotation) for e in _enums(arg)]


def _as_enum(annotation: Any, value: Any) -> Any:
    """Turn a plain string into the generated enum the parameter is typed with, if it is one."""
    if isinstance(value, str) and not isinstance(value, enum.Enum):
        for kind in _enums(annotation):
            try:
                return kind(value)
            except ValueError:
                continue
    return value  # not one: the generated code sends it as it is, or refuses it below


def _refusal(module: ModuleType, args: Sequence[Any], values: Mapping[str, Any]) -> InputError:
    names = _keywords(module)
    for name, value in values.items():
        allowed = [member.value for kind in _enums(names[name]) for member in kind]
        if allowed and isinstance(value, str) and value not in allowed:
            listed = ", ".join(map(str, allowed))
            return InputError(f"{name} must be one of {listed}, not {value!r}.")
    given = ", ".join(f"{name}={value!r}" for name, value in values.items())
    where = said(module._get_kwargs(*args))
    return InputError(f"{where} cannot send {given}: check the values' types.")


def request_of(
    module: ModuleType, *args: Any, query: Mapping[str, Any] | None = None, **named: Any
) -> dict[str, Any]:
    """Return what the generated ``module._get_kwargs`` builds (method, url, params, json)."""
    extra = dict(query or {})
    twice = sorted(set(extra) & {name for name, value in named.items() if value is not None})
    if twice:
        raise InputError(f"query= repeats {', '.join(twice)}, which the method takes already.")
    values = {name: value for name, value in {**named, **extra}.items() if value is not None}
    if not values:
        return dict(module._get_kwargs(*args))
    known = _keywords(module)
    unknown = sorted(set(values) - set(known))
    if unknown:
        takes = f"it takes {', '.join(known)}" if known else "it takes none"
        raise InputError(
            f"{said(module._get_kwargs(*args))} has no query parameter "
            f"{', '.join(map(repr, unknown))} ({takes}). If the API added it, regenerate the "
            "client (CONTRIBUTING: the API changed)."
        )
    coerced = {name: _as_enum(known[name], value) for name, value in values.items()}
    try:
        return dict(module._get_kwargs(*args, **coerced))
    except (AttributeError, TypeError, ValueError):
        raise _refusal(module, args, values) from None
