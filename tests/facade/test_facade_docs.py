"""Discoverable docs: help() lists the resources, async twins carry full docstrings."""

from __future__ import annotations

import inspect
import pydoc
import re

import pytest

import generio
from generio import AsyncFlows, AsyncGenerio, AsyncTemplates, Flows, Generio, Templates

# ``_jobs/polling.py``, generio._client, ~generio._payload.models.Flow: pointers users cannot use.
_PRIVATE = re.compile(r"``_\w+\.py``|\bgenerio\._\w+|\b_\w+\.py\b")
_TWINS = [(AsyncFlows, Flows), (AsyncTemplates, Templates), (AsyncGenerio, Generio)]


def _public_functions(cls: type) -> dict[str, object]:
    return {n: f for n, f in inspect.getmembers(cls, inspect.isfunction) if not n.startswith("_")}


@pytest.mark.parametrize("cls", [Generio, AsyncGenerio])
def test_help_shows_flows_and_templates_with_their_methods(cls: type) -> None:
    """help(Generio) and help(AsyncGenerio) list .flows and .templates and every method."""
    text = pydoc.render_doc(cls, renderer=pydoc.plaintext)
    resources = dict(_TWINS[:2] if cls is AsyncGenerio else [(Flows, 0), (Templates, 0)])
    for resource in resources:
        for name in _public_functions(resource):
            assert re.search(rf"\b{name}\(", text), f"{name} missing from help({cls.__name__})"
    assert "Methods (see help(generio.Flows))" in text or "generio.AsyncFlows" in text


@pytest.mark.parametrize(("twin", "source"), _TWINS)
def test_async_twins_carry_the_sync_docstrings(twin: type, source: type) -> None:
    """Each async method's docstring has its sync twin's full text (Args, Raises, ...)."""
    shared = set(_public_functions(twin)) & set(_public_functions(source))
    assert shared
    for name in shared:
        sync_doc = inspect.getdoc(getattr(source, name))
        async_doc = inspect.getdoc(getattr(twin, name))
        assert sync_doc, name
        assert async_doc, name
        assert async_doc.startswith(sync_doc), name


def test_no_public_docstring_points_to_a_private_module() -> None:
    """No docstring of a public name or of its public members names a private module."""
    offenders = []
    for name in generio.__all__:
        value = getattr(generio, name)
        if not inspect.isclass(value):
            continue
        docs = {name: inspect.getdoc(value) or ""}
        for member, function in inspect.getmembers(value):
            if member.startswith("_") and member != "__init__":
                continue
            if callable(function) or isinstance(function, property):
                docs[f"{name}.{member}"] = inspect.getdoc(function) or ""
        offenders += [where for where, doc in docs.items() if _PRIVATE.search(doc)]
    assert offenders == []


def test_resources_are_read_only(sync_client: Generio) -> None:
    """client.flows cannot be replaced by accident."""
    with pytest.raises(AttributeError):
        sync_client.flows = None  # type: ignore[assignment,misc]
    assert isinstance(sync_client.flows, Flows)
