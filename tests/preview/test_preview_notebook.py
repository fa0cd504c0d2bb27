"""Jupyter shows assets and run results in a viewer up to a size cap; trimesh loads them."""

from __future__ import annotations

import base64
import html
import re
import sys
from pathlib import Path

import pytest

from generio import Asset, Generio, InputError, MissingExtraError
from generio._glbinfo import model_facts


def _srcdoc(markup: str) -> str:
    match = re.fullmatch(r'<iframe srcdoc="([^"]*)" style="[^"]*" title="[^"]*"></iframe>', markup)
    assert match, markup[:200]
    return html.unescape(match.group(1))


def test_an_output_asset_shows_a_viewer_inline(sync_client: Generio) -> None:
    """Asset._repr_html_ is an iframe page embedding the model and the viewer."""
    (asset,) = sync_client.run("model_generate_fromprompt", "a red ring").outputs
    page = _srcdoc(asset._repr_html_())
    assert '<model-viewer src="data:model/gltf-binary;base64,' in page
    uri = re.search(r'src="data:model/gltf-binary;base64,([^"]+)"', page)
    assert uri
    assert base64.b64decode(uri.group(1)) == asset.data
    assert 'customElements.define("model-viewer"' in page


def test_a_run_result_shows_every_output_and_saved_files(
    sync_client: Generio, tmp_path: Path
) -> None:
    """RunResult._repr_html_ embeds outputs in memory, or the files run() saved."""
    in_memory = sync_client.run("model_generate_fromprompt", "a crate")
    assert in_memory.outputs[0].data is not None
    assert in_memory.flow.id in in_memory._repr_html_()
    assert in_memory._repr_html_().count("&lt;model-viewer src=") == 1
    saved = sync_client.run("model_generate_fromprompt", "a crate", out_dir=tmp_path)
    page = _srcdoc(saved._repr_html_())
    assert page.count("<model-viewer src=") == 1
    assert saved.paths[0].name in page


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
