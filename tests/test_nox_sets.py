"""nox's three pytest runs (parallel, serial, light) together run every default test once."""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import pytest
from _pytest.mark.expression import Expression

NOXFILE = Path(__file__).resolve().parents[1] / "noxfile.py"
MARKERS = ("soak", "serial", "light", "docs", "pyright")
#: Run by other sessions (`nox -s soak`, `docs`, `verifytypes`), not by `nox -s tests`.
ELSEWHERE = {"soak", "docs", "pyright"}


def _marker_expressions() -> dict[str, str]:
    """Return the ``-m`` expression of each ``PYTEST*`` list in noxfile.py, read without nox."""
    found = {}
    for node in ast.parse(NOXFILE.read_text()).body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.List):
            (target,) = node.targets
            if isinstance(target, ast.Name) and target.id.startswith("PYTEST"):
                words = [e.value if isinstance(e, ast.Constant) else e for e in node.value.elts]
                found[target.id] = str(words[words.index("-m") + 1])
    return found


def test_the_three_runs_split_the_default_tests() -> None:
    """Whatever markers a test has, exactly one run takes it, unless another session does."""
    expressions = _marker_expressions()
    assert sorted(expressions) == ["PYTEST", "PYTEST_LIGHT", "PYTEST_SERIAL"]
    compiled = {name: Expression.compile(text) for name, text in expressions.items()}
    for flags in itertools.product([False, True], repeat=len(MARKERS)):
        marks = {m for m, on in zip(MARKERS, flags, strict=True) if on}
        taken = [n for n, e in compiled.items() if e.evaluate(marks.__contains__)]
        assert len(taken) == (0 if marks & ELSEWHERE else 1), (marks, taken)


def test_other_tests_are_not_light(request: pytest.FixtureRequest) -> None:
    """Outside tests/unit and tests/variants nothing is marked light (this file is not)."""
    assert request.node.get_closest_marker("light") is None
