"""`generio preview` and the demo write one offline page: viewer inlined, models embedded."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from generio import Generio
from generio._cli import app
from generio._preview import VIEWER_VERSION, PreviewItem, render_page
from generio.testing import Emulator

VIEWER = Path(__file__).parents[2] / "generio" / "_preview_assets" / "model-viewer.min.js"


def _invoke(emu: Emulator, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        app, ["--base-url", emu.base_url, "--api-key", emu.api_key, *args], env={}
    )
    return result.exit_code, result.stdout, result.stderr


def _embedded(page: str) -> list[bytes]:
    uris = re.findall(r'<model-viewer src="data:model/gltf-binary;base64,([^"]+)"', page)
    return [base64.b64decode(uri) for uri in uris]


def test_preview_files_writes_one_self_contained_page(
    emu: Emulator, models: list[Path], tmp_path: Path
) -> None:
    """Each file is embedded byte for byte with its facts; the viewer script is inlined."""
    out = tmp_path / "page.html"
    code, stdout, _ = _invoke(emu, "preview", *map(str, models), "-o", str(out))
    assert code == 0
    assert f"written to {out}" in stdout
    page = out.read_text(encoding="utf-8")
    assert _embedded(page) == [path.read_bytes() for path in models]
    viewer = VIEWER.read_text(encoding="utf-8").replace(
        "//# sourceMappingURL=model-viewer-umd.min.js.map", ""
    )
    assert f"{{\n{viewer}\n}}).call(globalThis);}}</script>" in page
    assert f"model-viewer {VIEWER_VERSION}" in page
    for fact in ("triangles", "vertices", "file size", "bounding box", "textures"):
        assert page.count(f"<th>{fact}</th>") == 2
    assert "<td>2,880</td>" in page  # the high chair: 2 x (24x12 + 4 x 12x12 + 24x24)
    assert "<td>576</td>" in page  # the low vase: 24 x 12 x 2 triangles


def test_the_page_loads_nothing_from_a_network(models: list[Path]) -> None:
    """No tag of the page points at an http(s) URL: scripts, styles and models are inline."""
    page = render_page([])
    tags = re.findall(r"<(?:script|link|img|iframe|model-viewer)\b[^>]*>", page)
    assert tags  # the viewer's script tag at least
    assert not [tag for tag in tags if re.search(r"(src|href)=\"https?:", tag)]
    assert "sourceMappingURL" not in page


def test_preview_a_flow_fetches_its_outputs(
    emu: Emulator, sync_client: Generio, tmp_path: Path
) -> None:
    """A flow id shows that flow's output models, fetched from the service."""
    result = sync_client.run("model_generate_fromprompt", "a stone ball")
    out = tmp_path / "flow.html"
    code, _, _ = _invoke(emu, "preview", result.flow.id, "-o", str(out))
    assert code == 0
    assert _embedded(out.read_text(encoding="utf-8")) == [a.data for a in result.outputs]


def test_preview_refuses_a_missing_file_and_a_flow_without_models(
    emu: Emulator, sync_client: Generio, tmp_path: Path
) -> None:
    """A missing .glb or an aborted flow is a usage error (2); an unfinished one the API's 409."""
    code, _, stderr = _invoke(emu, "preview", str(tmp_path / "nope.glb"))
    assert code == 2
    assert "no such file" in stderr
    emu.flow_seconds = 60
    flow = sync_client.flows.create("model_generate_fromprompt", inputs=["a chair"])
    code, _, stderr = _invoke(emu, "preview", flow.id, "-o", str(tmp_path / "x.html"))
    assert code == 3
    assert "409" in stderr
    sync_client.flows.abort(flow.id)
    sync_client.flows.wait(flow.id, timeout=30)
    code, _, stderr = _invoke(emu, "preview", flow.id, "-o", str(tmp_path / "x.html"))
    assert code == 2
    assert "has no model outputs" in stderr
    assert not (tmp_path / "x.html").exists()


def test_an_input_that_is_not_a_model_fails_the_command(
    emu: Emulator, models: list[Path], tmp_path: Path
) -> None:
    """A file that is not a GLB among good ones: exit 2 naming it and the way out; no page."""
    bad = tmp_path / "jobs.jsonl"
    bad.write_text('{"template": "model_generate_fromprompt"}\n')
    out = tmp_path / "page.html"
    code, stdout, stderr = _invoke(emu, "preview", str(models[0]), str(bad), "-o", str(out))
    assert code == 2
    assert stdout == ""
    (line,) = stderr.splitlines()
    assert line.startswith(f"generio: error: cannot preview {bad}: this is not a glTF binary")
    assert "--skip-invalid" in line
    assert not out.exists()


def test_skip_invalid_leaves_such_inputs_out(
    emu: Emulator, models: list[Path], tmp_path: Path
) -> None:
    """--skip-invalid writes the page of the models it can show and names each input left out."""
    bad = tmp_path / "notes.txt"
    bad.write_text("hello")
    broken = tmp_path / "broken.glb"
    broken.write_bytes(models[0].read_bytes()[:100])
    out = tmp_path / "page.html"
    code, stdout, stderr = _invoke(
        emu, "preview", str(bad), str(models[0]), str(broken), "-o", str(out), "--skip-invalid"
    )
    assert code == 0, stderr
    assert stdout.strip() == f"preview of 1 model(s) written to {out}"
    assert _embedded(out.read_text(encoding="utf-8")) == [models[0].read_bytes()]
    left_out = [line for line in stderr.splitlines() if line.startswith("generio: left out ")]
    assert [line.split()[3].rstrip(":") for line in left_out] == [str(bad), str(broken)]


def test_nothing_to_show_is_an_error_even_when_skipping(emu: Emulator, tmp_path: Path) -> None:
    """--skip-invalid with no showable input at all: exit 2 and no page."""
    bad = tmp_path / "notes.txt"
    bad.write_text("hello")
    out = tmp_path / "page.html"
    code, _, stderr = _invoke(emu, "preview", str(bad), "-o", str(out), "--skip-invalid")
    assert code == 2
    assert "none of the inputs is a model" in stderr
    assert not out.exists()


def test_a_directory_is_refused_before_any_request(emu: Emulator, tmp_path: Path) -> None:
    """A folder given as a target is a usage error, not a flow id sent to the service."""
    code, _, stderr = _invoke(emu, "preview", str(tmp_path))
    assert code == 2
    assert "is not a file" in stderr
    assert emu.ledger == []


def test_the_page_tells_a_model_it_cannot_show() -> None:
    """render_page (the library's page) shows a card saying why, not a broken viewer."""
    page = render_page([PreviewItem("notes", b"hello")])
    assert "cannot show this model: this is not a glTF binary" in page
    assert _embedded(page) == []


def test_open_hands_the_page_to_the_browser(
    emu: Emulator, models: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--open opens the written page's file:// URI in the default browser."""
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", opened.append)
    out = tmp_path / "page.html"
    code, _, _ = _invoke(emu, "preview", str(models[0]), "-o", str(out), "--open")
    assert code == 0
    assert opened == [out.resolve().as_uri()]


def test_demo_writes_an_index_page_of_every_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`generio demo` writes generio-demo/index.html embedding its three models, and says so."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["demo", "--flow-seconds", "0.1"], env={})
    assert result.exit_code == 0, result.output
    index = Path("generio-demo") / "index.html"
    assert f"open {index}" in result.stdout
    models = sorted(Path("generio-demo").rglob("*.glb"))
    assert len(models) == 3
    assert sorted(_embedded(index.read_text(encoding="utf-8"))) == sorted(
        m.read_bytes() for m in models
    )
