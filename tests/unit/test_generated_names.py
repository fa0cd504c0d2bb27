"""The facade names no API path or request parameter of its own: the generated client does.

Every request generio sends is built by the generated module of its operation
(``generio_api.api.*.*._get_kwargs``: method, path, quoting, query names, body keys). So
``generio/`` (outside ``generio/testing/``, the emulator, which is the server) must hold no
string that spells a path of the API or a name that only requests use (a query parameter,
a body key no answer carries): such a string would be a second, hand-written copy that a
regeneration does not reach. The names looked for are read from the generated code itself,
so a spec that adds a parameter extends this test with no edit. Docstrings and comments may
mention them (they are text for people); code may not.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args, get_type_hints

import attrs
import generio_api.api
import generio_api.models

import generio

PACKAGE = Path(generio.__file__).parent
SERVER = PACKAGE / "testing"


def _operations() -> list[types.ModuleType]:
    found = []
    for info in pkgutil.walk_packages(generio_api.api.__path__, "generio_api.api."):
        module = importlib.import_module(info.name)
        if hasattr(module, "_get_kwargs"):
            found.append(module)
    return found


def _path_segments() -> set[str]:
    """Return the fixed segments of every path the spec has (``flows``, ``templates``...)."""
    segments: set[str] = set()
    for module in _operations():
        source = inspect.getsource(module._get_kwargs)
        for url in re.findall(r'"url": "([^"]+)"', source):
            segments |= {s for s in url.split("/") if s and not s.startswith("{")}
    return segments


def _model_keys(model: type) -> set[str]:
    """Return the JSON keys of a generated model and of the models it holds."""
    keys: set[str] = set()
    # Models import each other only for type checkers: resolve names in the package too.
    namespace = {**vars(generio_api.models), **vars(inspect.getmodule(model))}
    hints = get_type_hints(model, namespace)
    for field in attrs.fields(model):
        if field.name == "additional_properties":
            continue
        keys.add(field.name)
        for inner in _classes(hints.get(field.name)):
            if attrs.has(inner) and inner is not model:
                keys |= _model_keys(inner)
    return keys


def _classes(hint: Any) -> Iterator[type]:
    if isinstance(hint, type):
        yield hint
    for arg in get_args(hint):
        yield from _classes(arg)


def _names() -> tuple[set[str], set[str]]:
    """Return the query parameter names and the body keys of every operation."""
    query: set[str] = set()
    body_keys: set[str] = set()
    for module in _operations():
        signature = inspect.signature(module._get_kwargs, eval_str=True)
        for name, parameter in signature.parameters.items():
            if parameter.kind is not inspect.Parameter.KEYWORD_ONLY:
                continue  # path parameters: never sent by name
            if name == "body":
                for model in _classes(parameter.annotation):
                    if attrs.has(model):
                        body_keys |= _model_keys(model)
            else:
                query.add(name)
    return query, body_keys


def _answer_keys() -> set[str]:
    """Return the keys of every model that is no request body: what the tolerant reader reads."""
    bodies = {
        model
        for module in _operations()
        for parameter in inspect.signature(module._get_kwargs, eval_str=True).parameters.values()
        if parameter.name == "body"
        for model in _classes(parameter.annotation)
    }
    keys: set[str] = set()
    for name in dir(generio_api.models):
        model = getattr(generio_api.models, name)
        if isinstance(model, type) and attrs.has(model) and model not in bodies:
            keys |= _model_keys(model)
    return keys


def _request_only_names() -> set[str]:
    """Query parameter names, and body keys that no answer model carries."""
    query, body_keys = _names()
    return query | (body_keys - _answer_keys())


def _strings(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Every string constant of the code (f-string pieces included), docstrings left out."""
    docstrings: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            docstrings.add(id(node.value))  # attribute docstrings (a string after a name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and id(node) not in docstrings:
            value = node.value
            if isinstance(value, bytes):
                value = value.decode("latin-1")
            if isinstance(value, str):
                yield node.lineno, value


def _facade_files() -> list[Path]:
    return [p for p in sorted(PACKAGE.rglob("*.py")) if SERVER not in p.parents]


def _offences(files: list[Path]) -> list[str]:
    """Strings of ``files`` that spell an API path or a request's own names."""
    query, body_keys = _names()
    alone = _request_only_names()
    segments = "|".join(map(re.escape, sorted(_path_segments())))
    # A path: a segment after a single slash (not a host: ``https://flows.generio.ai``).
    path = re.compile(rf"(?<![/\w])/({segments})(?=$|[/?{{\s\"'`),.;:])")
    # A hand-made JSON body ("template": ...) or query string (?sort_by=...).
    keys = "|".join(map(re.escape, sorted(body_keys)))
    json_key = re.compile(rf'"({keys})"\s*:')
    names = "|".join(map(re.escape, sorted(query)))
    query_string = re.compile(rf"[?&]({names})=")
    found = []
    for file in files:
        tree = ast.parse(file.read_text(encoding="utf-8"))
        for line, text in _strings(tree):
            if (
                text in alone
                or path.search(text)
                or json_key.search(text)
                or query_string.search(text)
            ):
                found.append(f"{file.relative_to(file.parents[1])}:{line}: {text[:60]!r}")
    return sorted(found)


def test_the_names_looked_for_come_from_the_generated_client() -> None:
    """The paths and request-only names are read from the generated code, not listed here."""
    assert {"flows", "templates", "inputs", "outputs"} <= _path_segments()
    assert {"filter_by", "sort_by", "include_data", "action"} <= _request_only_names()
    # Keys of answers stay readable by the tolerant reader: they are not request-only.
    assert not {"template", "data", "additional", "state"} & _request_only_names()


def test_facade_spells_no_path_or_request_name_of_its_own() -> None:
    """No string in generio/ (but the emulator) spells an API path, query name or body key."""
    assert _offences(_facade_files()) == []


def test_the_check_finds_a_hand_written_path_and_query_name(tmp_path: Path) -> None:
    """The scan is not blind: a hand-built path, query dict or body key is reported."""
    planted = tmp_path / "planted.py"
    planted.write_text(
        'URL = f"/flows/{1}/outputs"\n'
        'QUERY = {"filter_by": "x"}\n'
        "BODY = b'{\"template\":'\n"
        'LINK = f"?page=2&sort_by={1}"\n'
        'TEXT = f"read {1} page(s) of GET /flows, then stopped"\n'
        'HOST = "https://flows.generio.ai"\n'
        'WORDS = "An action\'s answer was not a flow; flows/templates are read."\n'
        '"""A docstring may say GET /flows?filter_by=x."""\n'
    )
    found = _offences([planted])
    assert sorted({int(f.split(":")[1]) for f in found}) == [1, 2, 3, 4, 5]
