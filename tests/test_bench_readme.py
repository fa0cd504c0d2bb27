"""The README's performance tables are the recorded benchmark runs, figure for figure."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


@pytest.fixture
def tables(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """benchmarks/readme_table.py, imported as the script imports its neighbours."""
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    import readme_table

    return readme_table


def test_readme_tables_match_the_recorded_runs(tables: ModuleType) -> None:
    """Every marked table in the README is what benchmarks/results/ renders, unchanged."""
    readme = (ROOT / "README.md").read_text()
    blocks = tables.BLOCK.findall(readme)
    assert [b[1] for b in blocks][:1] == ["latest.json"]  # the main table comes first
    assert tables.update(readme) == readme, "run: python benchmarks/readme_table.py"


def test_main_table_is_a_dated_run_of_the_default_rows(tables: ModuleType) -> None:
    """latest.json says when it ran, which rows and the load; the README quotes all of it."""
    doc = json.loads((RESULTS / "latest.json").read_text())
    assert re.fullmatch(r"\d{8}T\d{6}Z", doc["when"])
    assert doc["benches"]
    assert "stream" not in doc["benches"]
    assert len(doc["load"]) == 2
    readme = (ROOT / "README.md").read_text()
    when = doc["when"]
    assert f"Recorded {when[:4]}-{when[4:6]}-{when[6:8]} " in readme
    for row in doc["rows"]:
        assert tables.render_row(row) in readme


def test_a_changed_figure_makes_the_check_fail(
    tables: ModuleType,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Edit one recorded figure and --check reports the README out of date (exit 1)."""
    for path in RESULTS.glob("*.json"):
        (tmp_path / path.name).write_text(path.read_text())
    doc = json.loads((tmp_path / "latest.json").read_text())
    doc["rows"][0]["value"] *= 2
    (tmp_path / "latest.json").write_text(json.dumps(doc))
    readme = (ROOT / "README.md").read_text()
    assert tables.update(readme, tmp_path) != readme
    copy = tmp_path / "README.md"
    copy.write_text(readme)
    monkeypatch.setattr(tables, "README", copy)
    monkeypatch.setattr(tables, "RESULTS", tmp_path)
    assert tables.main(["--check"]) == 1
    assert "differ" in capsys.readouterr().out
    assert tables.main([]) == 0
    assert tables.main(["--check"]) == 0
    assert copy.read_text() != readme


def test_run_records_what_it_ran(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A default run records latest.json with its rows, command and load; a subset its own."""
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    import run as bench  # benchmarks/run.py
    from _report import ratio_row

    fake = {name: (lambda: [ratio_row("r", "m", 1, 2, "s", 1)]) for name in ("a", "b", "stream")}
    monkeypatch.setattr(bench, "RESULTS", tmp_path)
    monkeypatch.setattr(bench, "BENCHES", fake)
    assert bench.main(["--record"]) == 0
    doc = json.loads((tmp_path / "latest.json").read_text())
    assert doc["benches"] == ["a", "b"]  # stream runs only when named
    assert doc["command"] == "python benchmarks/run.py --record"
    assert bench.main(["--record", "stream"]) == 0
    assert json.loads((tmp_path / "latest-stream.json").read_text())["benches"] == ["stream"]
    assert sys.modules["run"] is bench
