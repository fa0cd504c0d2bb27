"""What :class:`~generio.Generio` and :class:`~generio.AsyncGenerio` share, I/O aside.

Only private members: each client defines its public ones itself, so type checkers name
``Generio`` or ``AsyncGenerio`` in their messages, never this base.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NoReturn, Self

import attrs
import httpx

from generio._errors import ConfigurationError, check_count
from generio._http.settings import NotGiven, check_timeout, resolve_settings
from generio._jobs.options import KeyLookup
from generio._secret import Secret

if TYPE_CHECKING:
    import generio_api

    from generio._jobs.state import ClientState


def _signature(function: Any) -> str:
    """Return the signature without ``self`` and annotations: ``(flow_id, *, timeout=None)``."""
    signature = inspect.signature(function)
    params = [p.replace(annotation=p.empty) for p in list(signature.parameters.values())[1:]]
    return str(signature.replace(parameters=params, return_annotation=signature.empty))


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


class Resource:
    """A client's read-only resource attribute (``flows``, ``templates``), documented.

    Only at run time: type checkers see the clients' properties.
    """

    def __init__(self, kind: type, attribute: str, title: str) -> None:
        self._attribute = attribute
        self.__doc__ = summary(kind, title)

    def __get__(self, obj: object | None, owner: type | None = None) -> Any:
        return self if obj is None else getattr(obj, self._attribute)

    def __set__(self, obj: object, value: object) -> NoReturn:
        raise AttributeError("this attribute is read-only")


class ClientBase:
    """The private part of a client that does no I/O (each client defines its public methods)."""

    _state: ClientState
    _low: generio_api.Client
    _http: Any
    #: The plain httpx clients sent through (``_http/pools.py``), shared with the copies.
    _pools: Any
    #: Whether closing this client closes ``_pools``: the client that made them does.
    _owner: bool = True
    #: Whether the client is ``AsyncGenerio`` (its pools and httpx client async).
    _asynchronous: bool = False
    #: Headers added to every request (``with_options``).
    _headers: Mapping[str, str] = {}

    def _resources(self) -> None:
        """Make the driver and the resources over ``self._http`` (per side)."""
        raise NotImplementedError

    def _wire(self, timeout: httpx.Timeout | None) -> None:
        from generio._http.clients import build

        self._http, self._low = build(
            self._state.settings, timeout, self._pools, owner=self._owner, headers=self._headers
        )
        self._resources()

    def _derive(
        self,
        timeout: float | httpx.Timeout | None,
        max_retries: int | None,
        headers: Mapping[str, str] | None,
    ) -> Self:
        """``with_options``: a copy over the same pools and memory (ConfigurationError if bad)."""
        old = self._state.settings
        retries = check_count(
            "max_retries", old.max_retries if max_retries is None else max_retries, 0
        )
        new_timeout = old.timeout if isinstance(timeout, NotGiven) else check_timeout(timeout)
        settings = attrs.evolve(old, timeout=new_timeout, max_retries=retries)
        twin = copy.copy(self)
        twin._state = self._state.derived(settings)
        twin._headers = {**self._headers, **(headers or {})}
        twin._owner = False  # the pools stay the original's: closing the copy leaves them
        twin._wire(self._http.timeout if isinstance(timeout, NotGiven) else settings.timeout)
        return twin

    def _configure(
        self,
        api_key: Secret | None,
        base_url: str | None,
        key_lookup: KeyLookup | None,
        user: Any,
        **options: Any,
    ) -> None:
        """Check the settings, open the pools and wire the client: both constructors' body."""
        from generio._http.clients import effective_timeout, open_pools
        from generio._jobs.state import ClientState  # loaded with the first client

        if key_lookup is not None and not isinstance(key_lookup, KeyLookup):
            raise ConfigurationError(f"key_lookup must be a KeyLookup, not {key_lookup!r}.")
        settings = resolve_settings(api_key, base_url, **options)
        self._state = ClientState(settings, lookup=key_lookup)
        self._headers = {}
        self._pools = open_pools(user, self._asynchronous)
        self._wire(effective_timeout(settings, options["timeout"], user))

    def __repr__(self) -> str:
        # Works on a client whose constructor failed half way (tracebacks call it).
        state = getattr(self, "_state", None)
        if state is None:
            return f"{type(self).__name__}(<not configured>)"
        return f"{type(self).__name__}(base_url={state.settings.base_url!r})"
