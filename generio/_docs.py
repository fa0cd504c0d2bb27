"""Documentation that stays complete with one source: resource attributes and async twins.

``help(Generio)`` lists ``flows`` and ``templates`` with every method they offer, because
:class:`Resource` (a read-only descriptor) carries a summary generated from the resource
class. The async clients' methods get the docstrings of their sync twins (Args, Raises and
all) through :func:`share_docs`, so the two never drift apart; ``tests/facade/
test_facade_docs.py`` checks both.
"""

from __future__ import annotations

import inspect
from typing import Any, Generic, NoReturn, TypeVar, overload

__all__ = ["Resource", "share_docs", "summary"]

R = TypeVar("R")


def _signature(function: Any) -> str:
    parts = []
    star = False
    for param in list(inspect.signature(function).parameters.values())[1:]:
        if param.kind is param.KEYWORD_ONLY and not star:
            parts.append("*")
            star = True
        default = "" if param.default is param.empty else f"={param.default!r}"
        parts.append(f"{param.name}{default}")
    return f"({', '.join(parts)})"


def summary(kind: type, title: str) -> str:
    """Return ``title`` and one line per public method of ``kind``: signature, first line."""
    lines = [title, "", f"Methods (see help({kind.__module__.split('.')[0]}.{kind.__name__})):"]
    for name, member in inspect.getmembers(kind, inspect.isfunction):
        if name.startswith("_"):
            continue
        first = (inspect.getdoc(member) or "").split("\n", 1)[0]
        awaited = "await " if inspect.iscoroutinefunction(member) else ""
        lines.append(f"    {awaited}{name}{_signature(member)}")
        lines.append(f"        {first}")
    return "\n".join(lines)


class Resource(Generic[R]):
    """A client's read-only resource attribute (``flows``, ``templates``), documented.

    Args:
        kind: the resource's class, whose methods the docstring lists.
        attribute: the instance attribute holding the resource.
        title: the first line of the docstring.
    """

    def __init__(self, kind: type[R], attribute: str, title: str) -> None:
        self._attribute = attribute
        self.__doc__ = summary(kind, title)

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> Resource[R]: ...
    @overload
    def __get__(self, obj: object, owner: type | None = None) -> R: ...
    def __get__(self, obj: object | None, owner: type | None = None) -> R | Resource[R]:
        if obj is None:
            return self
        value: R = getattr(obj, self._attribute)
        return value

    def __set__(self, obj: object, value: object) -> NoReturn:
        raise AttributeError("this attribute is read-only")


def share_docs(twin: type, source: type, extra: dict[str, str] | None = None) -> None:
    """Give each public method of ``twin`` the docstring of ``source``'s method of that name.

    Args:
        twin: the async class.
        source: the sync class, whose docstrings are the one source.
        extra: paragraphs appended for a method, for what only the async side does.
    """
    for name, member in inspect.getmembers(twin, inspect.isfunction):
        original = getattr(source, name, None)
        if name.startswith("_") or original is None or not original.__doc__:
            continue
        doc = inspect.cleandoc(original.__doc__)
        if extra and name in extra:
            doc = f"{doc}\n\n{extra[name]}"
        member.__doc__ = doc
