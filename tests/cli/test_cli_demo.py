"""The demo: `generio demo` end to end, and `run_demo` as a library function."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from generio import Flow
from generio._cli import app
from generio._cli._demo import POLYGON_COUNT, run_demo
from generio._glbinfo import model_facts
from tests.helpers.cli import IMAGE_TEMPLATE, OPTIMIZE_TEMPLATE, PROMPT_TEMPLATE, is_glb

DEMO_MODELS = ["chair-from-image.glb", "chair-optimised.glb", "chair.glb"]


def test_demo_command_saves_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`generio demo` saves three valid GLBs with readable names under ./generio-demo."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["demo", "--flow-seconds", "0.2"], catch_exceptions=False)
    assert result.exit_code == 0
    demo = tmp_path / "generio-demo"
    models = sorted(demo.rglob("*.glb"))
    assert [m.name for m in models] == DEMO_MODELS
    assert all(m.parent == demo for m in models)
    assert all(is_glb(m) for m in models)
    for model in models:
        assert str(model.relative_to(tmp_path)) in result.stdout
    assert "done: 3 models (GLB) saved under generio-demo" in result.stdout
    assert (demo / "chair.png").read_bytes().startswith(b"\x89PNG")
    # the same bar as `run`, once per step
    assert result.stderr.count("completed") >= 3


def test_demo_rerun_replaces_its_files(tmp_path: Path) -> None:
    """A second demo run replaces its own files instead of adding new ones."""
    out = tmp_path / "demo"
    first = CliRunner().invoke(app, ["demo", "-o", str(out), "--flow-seconds", "0.05"])
    assert first.exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    for name in before:  # spoil every file: the second run must write each one again
        (out / name).write_bytes(b"stale")
    second = CliRunner().invoke(app, ["demo", "-o", str(out), "--flow-seconds", "0.05"])
    assert second.exit_code == 0
    after = {p.name: p.read_bytes() for p in out.iterdir()}
    assert sorted(after) == sorted(before) == sorted([*DEMO_MODELS, "chair.png", "index.html"])
    assert after == before  # the same models, page and picture, rewritten


def test_demo_out_dir_option(tmp_path: Path) -> None:
    """-o DIR puts the demo's files there."""
    out = tmp_path / "elsewhere"
    result = CliRunner().invoke(app, ["demo", "-o", str(out), "--flow-seconds", "0.1"])
    assert result.exit_code == 0
    assert len(list(out.rglob("*.glb"))) == 3


def test_run_demo_chains_the_steps(tmp_path: Path) -> None:
    """run_demo runs the three templates in order and reports each step's files."""
    lines: list[str] = []
    result = run_demo(tmp_path, flow_seconds=0.1, say=lines.append)
    assert [s.template for s in result.steps] == [
        PROMPT_TEMPLATE,
        IMAGE_TEMPLATE,
        OPTIMIZE_TEMPLATE,
    ]
    assert len(result.paths) == 3
    assert all(p.is_file() and p.is_relative_to(tmp_path) for p in result.paths)
    assert result.input_image == tmp_path / "chair.png"
    assert [p.name for p in result.paths] == [
        "chair.glb",
        "chair-from-image.glb",
        "chair-optimised.glb",
    ]
    assert any(f"polygon_count={POLYGON_COUNT}" in line for line in lines)


def test_run_demo_reports_progress_per_step(tmp_path: Path) -> None:
    """The tracker is entered once per step and sees each flow reach 'completed'."""
    seen: dict[str, list[str]] = {}

    def track(label: str) -> AbstractContextManager[Callable[[Flow], object]]:
        @contextmanager
        def step() -> Iterator[Callable[[Flow], object]]:
            states = seen.setdefault(label, [])
            yield lambda flow: states.append(flow.state)

        return step()

    run_demo(tmp_path, flow_seconds=0.1, track=track)
    assert list(seen) == ["1/3 text to 3D", "2/3 image to 3D", "3/3 optimise"]
    assert all(states[-1] == "completed" for states in seen.values())


def test_the_demo_models_look_like_their_names(tmp_path: Path) -> None:
    """A chair picture in, a chair-shaped solid out, and an optimised chair a tenth its size."""
    result = run_demo(tmp_path, flow_seconds=0.05)
    picture = result.input_image.read_bytes()
    assert picture.startswith(b"\x89PNG")
    assert len(picture) > 1000  # a drawing, not the 64x64 checkerboard of old
    chair, from_image, optimised = (model_facts(p.read_bytes()) for p in result.paths)
    for facts in (chair, from_image, optimised):
        assert facts.dimensions is not None
        width, height, depth = facts.dimensions
        assert depth > 0.2 * max(width, height), facts  # solids, not flat tiles
        assert height > width  # chairs stand taller than they are wide
    assert optimised.triangles <= POLYGON_COUNT < from_image.triangles // 8
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert (
        f"{optimised.triangles:,} triangles, simplified from the {from_image.triangles:,} of step 2"
    ) in page
