"""No code, docstring or guide names a module or file that does not exist."""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SKIP_DIRS = {".git", ".venv", ".nox", "node_modules", "site", "build", "dist", "__pycache__"}
#: ``_jobs/keys.py``, ``tests/helpers/fake_driver.py``, ``_secret.py``.
PATH = re.compile(r"(?<![\w/.\-:])((?:[\w.\-]+/)*[\w\-]+\.py)\b")
#: ``generio._payload.models``, ``generio._payload.models.Flow``.
MODULE = re.compile(r"\bgenerio\.(_[\w.]*\w)")


def _files() -> list[str]:
    found = []
    for folder, dirs, names in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info")]
        found += [Path(folder, name).relative_to(ROOT).as_posix() for name in names]
    return found


FILES = _files()
SOURCES = [
    f
    for f in FILES
    if f.startswith(("generio/", "tests/", "benchmarks/", "docs/", "tools/"))
    and f.endswith((".py", ".md"))
    and f != "tests/test_references.py"  # its own examples of stale names
] + ["README.md", "CONTRIBUTING.md", "noxfile.py"]


def _path_exists(ref: str) -> bool:
    return any(f == ref or f.endswith("/" + ref) for f in FILES)


def _module_exists(dotted: str) -> bool:
    parts = ["generio", *dotted.split(".")]
    for i in range(len(parts), 0, -1):
        try:
            target: object = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attribute in parts[i:]:
            if not hasattr(target, attribute):
                return False
            target = getattr(target, attribute)
        return True
    return False


def _references(source: str) -> Iterator[tuple[int, str, bool]]:
    """(line, reference, is a module) of every file or module a source names."""
    in_tests = source.startswith("tests/")
    for number, line in enumerate((ROOT / source).read_text(encoding="utf-8").splitlines(), 1):
        for match in PATH.finditer(line):
            # Tests name the temporary files they make; a path with a folder is a reference.
            if not in_tests or "/" in match.group(1):
                yield number, match.group(1), False
        for match in MODULE.finditer(line):
            yield number, match.group(1), True


def _stale(sources: list[str]) -> list[str]:
    return [
        f"{source}:{number}: {ref}"
        for source in sources
        for number, ref, module in _references(source)
        if not (_module_exists(ref) if module else _path_exists(ref))
    ]


def test_every_named_module_and_file_exists() -> None:
    """Code, docs, README and CONTRIBUTING name only modules and files that exist."""
    assert _stale(SOURCES) == []


def test_a_stale_reference_is_found() -> None:
    """A moved module, by path or dotted name, is reported (so the test above can fail)."""
    assert not _path_exists("_jobs/lifecycle.py")
    assert _path_exists("_jobs/state.py")
    assert not _module_exists("_jobs.pages")
    assert _module_exists("_payload.models.Flow")
    assert not _module_exists("_payload.models.Nowhere")
