"""Discoverable docs: help() lists the resources; async docstrings show async usage."""

from __future__ import annotations

import inspect
import pydoc
import re

import pytest

import generio
from generio import AsyncFlows, AsyncGenerio, AsyncTemplates, Flows, Generio, Templates

# ``_jobs/polling.py``, generio._surface, ~generio._payload.models.Flow: pointers users cannot use.
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


_ASYNC_CLASSES = [AsyncGenerio, AsyncFlows, AsyncTemplates, generio.AsyncOutputStream]


def _docs(cls: type) -> dict[str, str]:
    """Return the class's docstring and its public members' (inherited ones included)."""
    docs = {cls.__name__: inspect.getdoc(cls) or ""}
    for name, member in inspect.getmembers(cls):
        if not name.startswith("_") and (callable(member) or isinstance(member, property)):
            docs[f"{cls.__name__}.{name}"] = inspect.getdoc(member) or ""
    return docs


def _examples(doc: str) -> list[list[str]]:
    """Return the code examples of a docstring: ``>>>`` sessions and ``::`` blocks."""
    examples: list[list[str]] = []
    lines = doc.splitlines()
    for i, line in enumerate(lines):
        text = line.strip()
        if text.startswith(">>>") and not (i and lines[i - 1].strip().startswith((">>>", "..."))):
            examples.append([])
        if text.startswith((">>>", "...")) and examples:
            examples[-1].append(text[4:])
        if line.rstrip().endswith("::"):
            indent = len(line) - len(line.lstrip())
            block = [
                code
                for code in lines[i + 1 :]
                if not code.strip() or len(code) - len(code.lstrip()) > indent
            ]
            examples.append([code.strip() for code in block if code.strip()])
    return examples


def _sync_usage(example: list[str]) -> list[str]:
    """Return what in an example is not async usage: no await at all, a bare with/for."""
    found = [line for line in example if re.match(r"(with|for)\b", line)]
    if not any(re.search(r"\bawait\b|\basync (with|for)\b", line) for line in example):
        found.append("no await, async with or async for")
    return found


def test_every_async_example_is_async() -> None:
    """Every example in an async class's docs uses await / async with / async for."""
    offenders = {
        where: problems
        for cls in _ASYNC_CLASSES
        for where, doc in _docs(cls).items()
        for example in _examples(doc)
        if (problems := _sync_usage(example))
    }
    assert offenders == {}


def test_the_async_example_check_can_fail() -> None:
    """A blocking example (the sync stream_output's) is reported; an async one passes."""
    (sync_example,) = _examples(inspect.getdoc(Flows.stream_output) or "")
    assert _sync_usage(sync_example)
    (async_example,) = _examples(inspect.getdoc(AsyncFlows.stream_output) or "")
    assert _sync_usage(async_example) == []
    assert _examples("Use it so::\n\n    with x:\n        y()\n") == [["with x:", "y()"]]


@pytest.mark.parametrize(("twin", "source"), _TWINS)
def test_async_docstrings_are_their_own(twin: type, source: type) -> None:
    """Every async method has a docstring of its own, not its blocking twin's text."""
    for name in set(_public_functions(twin)) & set(_public_functions(source)):
        async_doc = inspect.getdoc(getattr(twin, name))
        assert async_doc, name
        if getattr(twin, name) is not getattr(source, name):  # not one inherited method
            assert async_doc != inspect.getdoc(getattr(source, name)), name


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
