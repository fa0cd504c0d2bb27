"""The package's layout keeps its promises: no import circle, small modules, no reaching in."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import generio

PACKAGE = Path(generio.__file__).parent
MAX_LINES = 400
# Vendored or generated-like files that are not hand-written modules.
SKIP_PARTS = {"_preview_assets"}


def _modules(root: Path = PACKAGE) -> Iterator[tuple[str, Path]]:
    for path in sorted(root.rglob("*.py")):
        if SKIP_PARTS & set(path.parts):
            continue
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        yield ".".join(parts), path


def _package_of(module: str, path: Path) -> str:
    """Return the package a module belongs to (a package's __init__ belongs to itself)."""
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def _top_level_imports(
    module: str, path: Path, every: bool = False
) -> Iterator[tuple[str, list[str]]]:
    """Yield (imported module, names) for the imports that run when the module loads.

    Imports inside functions and under ``if TYPE_CHECKING:`` run later or never, so they
    cannot close a circle at import time; ``every`` yields them too (a circle of design).
    """
    package = _package_of(module, path)

    def walk(body: list[ast.stmt]) -> Iterator[tuple[str, list[str]]]:
        for node in body:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield alias.name, []
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                yield base, [alias.name for alias in node.names]
            elif isinstance(node, ast.If):
                if "TYPE_CHECKING" in ast.unparse(node.test):
                    continue
                yield from walk(node.body)
                yield from walk(node.orelse)
            elif isinstance(node, ast.Try):
                yield from walk(node.body)
                for handler in node.handlers:
                    yield from walk(handler.body)

    tree = ast.parse(path.read_text(encoding="utf-8"))
    if every:
        nodes = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
        yield from walk(nodes)  # type: ignore[arg-type]
    else:
        yield from walk(tree.body)


def _graph(every: bool = False) -> dict[str, set[str]]:
    modules = dict(_modules())
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for target, names in _top_level_imports(name, path, every):
            if not target.startswith("generio"):
                continue
            # ``from generio._payload import mime`` imports the submodule too.
            for candidate in [f"{target}.{n}" for n in names] + [target]:
                # A module's own packages are already loading when it runs: no edge.
                if candidate in modules and not (name + ".").startswith(candidate + "."):
                    graph[name].add(candidate)
            # Importing a.b.c runs a/__init__ and a/b/__init__ first.
            parts = target.split(".")
            for i in range(1, len(parts)):
                parent = ".".join(parts[:i])
                if parent in modules and parent != name and not name.startswith(parent + "."):
                    graph[name].add(parent)
    return graph


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_scan_sees_the_rooms() -> None:
    """The scan covers the sub-packages, so the checks below look at real modules."""
    graph = _graph()
    assert "generio._jobs.create" in graph
    assert "generio._http.operations" in graph["generio._jobs.create"]
    assert "generio._payload.inputs" in graph


def test_no_import_circle() -> None:
    """No chain of load-time imports inside generio leads back to where it started."""
    assert _find_cycle(_graph()) is None


def test_no_circle_counting_deferred_and_type_only_imports() -> None:
    """No circle either when imports inside functions and under TYPE_CHECKING count."""
    assert _find_cycle(_graph(every=True)) is None


def test_the_full_scan_sees_deferred_imports() -> None:
    """The full scan follows an import inside a function (so the test above can fail)."""
    assert "generio._drivers.batch_sync" in _graph(every=True)["generio._surface.client"]
    assert "generio._drivers.batch_sync" not in _graph()["generio._surface.client"]


def test_drivers_and_jobs_know_no_client() -> None:
    """Below the surface nothing imports it, not even for types: a driver is given to it."""
    below = ("generio._drivers", "generio._jobs", "generio._http", "generio._payload")
    graph = _graph(every=True)
    reaching = {
        (name, target)
        for name, targets in graph.items()
        if name.startswith(below)
        for target in targets
        if target.startswith("generio._surface") or target == "generio"
    }
    assert reaching == set()


def test_the_cycle_finder_finds_a_cycle() -> None:
    """The finder reports a circle when there is one (so the test above can fail)."""
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_no_module_over_400_lines() -> None:
    """Every hand-written module stays at or under 400 lines."""
    long = {
        name: count
        for name, path in _modules()
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def _private_reaches(root: Path = PACKAGE) -> list[str]:
    """List imports of a private name (``_x``) owned by another package than the importer's.

    A name's owner is the package of the module it is imported from; a private *module*
    (``from generio import _errors``) is owned by the package it sits in.
    """
    modules = dict(_modules(root))
    found = []
    for name, path in modules.items():
        here = _package_of(name, path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
                continue
            if node.module.split(".")[0] != root.name:
                continue
            for alias in node.names:
                if not alias.name.startswith("_") or alias.name.startswith("__"):
                    continue
                source = node.module
                if f"{source}.{alias.name}" in modules:
                    owner = source
                elif source in modules:
                    owner = _package_of(source, modules[source])
                else:
                    owner = source
                if owner != here:
                    found.append(f"{name}: from {source} import {alias.name}")
    return found


def test_no_private_name_crosses_a_package() -> None:
    """No module imports another package's underscore names; shared names are public."""
    assert _private_reaches() == []


def test_the_private_scan_finds_a_reach(tmp_path: Path) -> None:
    """The scan reports a private name taken from another package, and allows its own."""
    root = tmp_path / "pkg"
    (root / "_a").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "_a" / "__init__.py").write_text("")
    (root / "_a" / "one.py").write_text("_HIDDEN = 1\n")
    (root / "_a" / "two.py").write_text("from pkg._a.one import _HIDDEN\n")
    (root / "three.py").write_text("from pkg._a.one import _HIDDEN\n")
    assert _private_reaches(root) == ["pkg.three: from pkg._a.one import _HIDDEN"]
