"""Jupyter shows assets and run results in a viewer up to a size cap; trimesh loads them."""

from __future__ import annotations

import base64
import re
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from generio import Asset, Generio, InputError, MissingExtraError, _preview
from generio._glbinfo import model_facts
from generio._preview import display_html, forget_viewer

#: What marks the display that carries the viewer (its UMD bundle defines the element).
CODE_MARK = 'customElements.define("model-viewer"'


@pytest.fixture(autouse=True)
def _fresh_kernel() -> Iterator[None]:
    """Start each test as a fresh kernel would: the viewer's code not sent yet."""
    forget_viewer()
    yield
    forget_viewer()


def _embedded(markup: str) -> list[bytes]:
    """Decode every model a display embeds."""
    uris = re.findall(r'<model-viewer src="data:model/gltf-binary;base64,([^"]+)"', markup)
    return [base64.b64decode(uri) for uri in uris]


def test_an_output_asset_shows_a_viewer_inline(sync_client: Generio) -> None:
    """Asset._repr_html_ embeds the model; the first display also carries the viewer."""
    (asset,) = sync_client.run("model_generate_fromprompt", "a red ring").outputs
    first, second = asset._repr_html_(), asset._repr_html_()
    assert _embedded(first) == _embedded(second) == [asset.data]
    assert CODE_MARK in first
    assert CODE_MARK not in second
    assert "<iframe" not in first + second
    assert len(second) < len(first) - 1_000_000


def test_ten_displays_weigh_under_2_mb_more_than_their_models(sync_client: Generio) -> None:
    """Ten models shown one after another: the viewer's code once, then cards alone."""
    assets = [
        sync_client.run("model_generate_fromprompt", f"a chair {n}").outputs[0] for n in range(10)
    ]
    shown = [asset._repr_html_() for asset in assets]
    models = sum(len(asset.data or b"") for asset in assets)
    assert sum(CODE_MARK in markup for markup in shown) == 1
    assert sum(len(markup.encode()) for markup in shown) - models < 2_000_000


def test_in_colab_every_display_carries_the_viewer(
    sync_client: Generio, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Colab shows each output in a page of its own: each needs the code."""
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    (asset,) = sync_client.run("model_generate_fromprompt", "a lamp").outputs
    assert CODE_MARK in asset._repr_html_()
    assert CODE_MARK in asset._repr_html_()


def test_the_viewer_code_hides_requirejs_and_runs_once_per_page(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The classic Notebook's RequireJS `define` must not swallow the UMD bundle."""
    monkeypatch.setattr(_preview, "_viewer_code", lambda: "/* the viewer */")
    markup = display_html("", "t")
    assert '<script>if (!customElements.get("model-viewer")) {' in markup
    assert "(function (define, exports, module) {" in markup
    forget_viewer()
    monkeypatch.setattr(_preview, "_viewer_code", lambda: "a </script> b")
    with pytest.raises(ValueError, match="</script>"):
        display_html("", "t")


def test_a_run_result_shows_every_output_and_saved_files(
    sync_client: Generio, tmp_path: Path
) -> None:
    """RunResult._repr_html_ embeds outputs in memory, or the files run() saved."""
    in_memory = sync_client.run("model_generate_fromprompt", "a crate")
    assert in_memory.outputs[0].data is not None
    markup = in_memory._repr_html_()
    assert in_memory.flow.id in markup
    assert _embedded(markup) == [in_memory.outputs[0].data]
    saved = sync_client.run("model_generate_fromprompt", "a crate", out_dir=tmp_path)
    markup = saved._repr_html_()
    assert _embedded(markup) == [saved.paths[0].read_bytes()]
    assert saved.paths[0].name in markup


def test_above_the_cap_a_summary_replaces_the_viewer(
    sync_client: Generio, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Models bigger than INLINE_MAX_BYTES are summarised as text, with their facts."""
    result = sync_client.run("model_generate_fromprompt", "a tall tower")
    (asset,) = result.outputs
    monkeypatch.setattr("generio._preview.INLINE_MAX_BYTES", len(asset.data or b"") - 1)
    summary = asset._repr_html_()
    assert summary.startswith("<pre>")
    assert "model-viewer" not in summary
    assert f"triangles: {model_facts(asset.data or b'').triangles:,}" in summary
    assert "inline cap" in summary
    assert result._repr_html_().startswith("<pre>")
    assert f"generio preview {result.flow.id}" in result._repr_html_()


def test_an_asset_without_model_data_gets_a_summary() -> None:
    """A prompt input, or an asset whose data was not fetched, is described in text."""
    prompt = Asset(id="in-1", mime_type="text/plain", kind="input", payload="a chair")
    assert prompt._repr_html_() == "<pre>input in-1\n  (text/plain: nothing to preview)</pre>"
    bare = Asset(id="out-1", kind="output")
    assert "content not fetched" in bare._repr_html_()


def test_to_trimesh_loads_the_model(sync_client: Generio) -> None:
    """Asset.to_trimesh gives a trimesh Scene with the model's triangles and bounds."""
    (asset,) = sync_client.run("model_generate_fromprompt", "a wooden chair").outputs
    scene = asset.to_trimesh()
    facts = model_facts(asset.data or b"")
    assert sum(len(g.faces) for g in scene.geometry.values()) == facts.triangles
    assert facts.bounds_min is not None
    assert scene.bounds[0] == pytest.approx(facts.bounds_min, abs=1e-5)


def test_to_trimesh_refuses_what_it_cannot_load(monkeypatch: pytest.MonkeyPatch) -> None:
    """No data or not a GLB is an InputError; without trimesh a MissingExtraError says how."""
    with pytest.raises(InputError, match="carries no data"):
        Asset(id="a").to_trimesh()
    with pytest.raises(InputError, match="not a glTF binary"):
        Asset(id="b", mime_type="text/plain", payload="a chair").to_trimesh()
    monkeypatch.setitem(sys.modules, "trimesh", None)
    with pytest.raises(MissingExtraError, match=r"pip install '\.\[mesh\]'") as caught:
        Asset(id="c", payload=b"glTF").to_trimesh()
    assert isinstance(caught.value, ImportError)
    assert caught.value.name == "trimesh"
