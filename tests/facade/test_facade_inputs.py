"""Bad inputs fail locally with an InputError that says what to do; nothing is created."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from generio import Asset, Generio, InputError, data_uri
from generio._http.operations import create_flow_op, upload_input_op
from generio._payload.body import JsonBody
from generio._payload.inputs import prepare
from generio.testing import Emulator, sample_glb, sample_jpeg, sample_png
from tests.helpers.facade import IMAGE_TEMPLATE, OPTIMIZE_TEMPLATE, PROMPT_TEMPLATE


@pytest.fixture
def png_file(tmp_path: Path) -> Path:
    """Write a small PNG to disk."""
    path = tmp_path / "front.png"
    path.write_bytes(sample_png())
    return path


def _file(directory: Path, name: str, content: bytes | None) -> Path:
    path = directory / name
    if content is not None:
        path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("missing.png", None, "does not exist"),
        ("", None, "is a directory"),
        ("empty.png", b"", "is empty"),
        ("x.bin", b"\x00\x01\x02", "mime_type="),
    ],
    ids=["missing", "directory", "empty", "unknown-type"],
)
def test_bad_files(
    client: Generio, emu: Emulator, tmp_path: Path, name: str, content: bytes | None, words: str
) -> None:
    """Missing, directory, empty and untyped files are InputErrors before any flow."""
    with pytest.raises(InputError, match=words):
        client.run(IMAGE_TEMPLATE, [_file(tmp_path, name, content)])
    assert emu.ledger == []


@pytest.mark.parametrize(
    ("template", "source", "words"),
    [
        (IMAGE_TEMPLATE, "a chair", "A str is sent as a text prompt: pass files as pathlib.Path"),
        (PROMPT_TEMPLATE, sample_png(), "takes a text prompt: pass it as a str"),
        (OPTIMIZE_TEMPLATE, sample_jpeg(), "accepts model/gltf-binary"),
        (IMAGE_TEMPLATE, sample_glb(), "image/png, image/jpeg"),
    ],
    ids=["prompt-to-image", "image-to-prompt", "jpeg-to-optimize", "glb-to-image"],
)
def test_type_not_accepted(
    client: Generio, emu: Emulator, template: str, source: object, words: str
) -> None:
    """An input of a type the template refuses names the accepted types, creates nothing."""
    with pytest.raises(InputError, match=words):
        client.flows.create(template, inputs=[source])
    assert emu.ledger == []


def test_upload_checked_against_flow_template(client: Generio, emu: Emulator) -> None:
    """upload_input checks the flow's template before uploading."""
    flow = client.flows.create(OPTIMIZE_TEMPLATE)
    with pytest.raises(InputError, match="model_optimize"):
        client.flows.upload_input(flow.id, sample_png())
    assert emu.ledger[0].input_count == 0


def test_position_named_among_several(client: Generio) -> None:
    """With several inputs, the message says which one is wrong."""
    with pytest.raises(InputError, match="input 1"):
        client.flows.create(IMAGE_TEMPLATE, inputs=[sample_png(), sample_glb()])


def test_unsupported_kind_and_empty_prompt(client: Generio) -> None:
    """A number is no input; neither is an empty prompt nor an empty run()."""
    with pytest.raises(InputError, match="cannot be a int"):
        client.run(PROMPT_TEMPLATE, [42])
    with pytest.raises(InputError, match="empty prompt"):
        client.run(PROMPT_TEMPLATE, "   ")
    with pytest.raises(InputError, match="at least one input"):
        client.run(PROMPT_TEMPLATE, [])


def test_explicit_mime_type_wins(client: Generio, emu: Emulator) -> None:
    """An explicit mime_type overrides detection (and is then checked)."""
    flow = client.flows.create(IMAGE_TEMPLATE)
    with pytest.raises(InputError, match="model/gltf-binary"):
        client.flows.upload_input(flow.id, sample_png(), mime_type="model/gltf-binary")
    asset = client.flows.upload_input(flow.id, sample_png(), mime_type="image/jpg")
    data = client.flows.input(flow.id, asset.id)
    assert data.mime_type == "image/jpeg"


def test_detection_from_name_when_content_unknown(tmp_path: Path) -> None:
    """Content first, then the file name: an unknown head with a .glb name is a GLB."""
    path = tmp_path / "model.glb"
    path.write_bytes(b"not really a glb")
    assert prepare(path).mime_type == "model/gltf-binary"
    lying = tmp_path / "photo.png"
    lying.write_bytes(sample_jpeg())
    assert prepare(lying).mime_type == "image/jpeg"


@pytest.mark.parametrize(
    ("source", "mime"),
    [
        (sample_png(), "image/png"),
        (sample_jpeg(), "image/jpeg"),
        (b"II*\x00" + b"\x00" * 20, "image/tiff"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 8, "image/webp"),
        (sample_glb(), "model/gltf-binary"),
    ],
    ids=["png", "jpeg", "tiff", "webp", "glb"],
)
def test_content_sniffing(source: bytes, mime: str) -> None:
    """PNG, JPEG, TIFF, WEBP and GLB are recognized from their first bytes."""
    assert prepare(source).mime_type == mime


def test_str_rules() -> None:
    """A str is a data URI only when it has a data URI's header; otherwise a prompt."""
    uri = data_uri.encode(sample_png())
    assert prepare(uri).mime_type == "image/png"
    assert prepare(uri).text == uri
    assert prepare("data: a chair made of data").is_prompt
    assert prepare("chair.png").is_prompt


def test_file_object_and_asset_sources(png_file: Path) -> None:
    """Binary file objects are read from their position; text ones are refused."""
    with png_file.open("rb") as handle:
        assert prepare(handle).mime_type == "image/png"
    with png_file.open("r", encoding="latin-1") as text, pytest.raises(InputError, match="'rb'"):
        prepare(text)
    bare = Asset(id="a1")
    with pytest.raises(InputError, match="no data and no flow"):
        prepare(bare)


def _body(body: JsonBody | None) -> JsonBody:
    assert body is not None
    return body


def test_body_is_exact_json(png_file: Path) -> None:
    """The streamed body has exactly its Content-Length and is the JSON the API wants."""
    items = [prepare(png_file, additional={"v": 1}), prepare("a chair"), prepare(sample_glb())]
    body = _body(create_flow_op("t", {"seed": 3}, {"job": "x"}, items).body)
    raw = b"".join(body)
    assert len(raw) == body.length
    assert b"".join(body) == raw  # a retry sends the same bytes again
    parsed = json.loads(raw)
    assert parsed["template"] == "t"
    assert parsed["parameters"] == {"seed": 3}
    assert parsed["inputs"][0]["additional"] == {"v": 1}
    assert data_uri.decode(parsed["inputs"][0]["data"]) == ("image/png", sample_png())
    assert parsed["inputs"][1] == {"data": "a chair"}
    single = _body(upload_input_op("f1", prepare(io.BytesIO(sample_jpeg()))).body)
    assert len(b"".join(single)) == single.length


def test_file_changed_while_sending(tmp_path: Path) -> None:
    """A file that grows after it was checked is refused rather than sent wrongly."""
    path = tmp_path / "grow.png"
    path.write_bytes(sample_png())
    body = _body(upload_input_op("f1", prepare(path)).body)
    path.write_bytes(sample_png() * 3)
    with pytest.raises(InputError, match="changed size"):
        b"".join(body)


def test_parameters_must_be_json(client: Generio, emu: Emulator) -> None:
    """Parameters that are not JSON are an InputError, not a TypeError from json."""
    with pytest.raises(InputError, match="parameters must be JSON"):
        client.flows.create(PROMPT_TEMPLATE, inputs=["x"], parameters={"seed": {1, 2}})
    with pytest.raises(InputError, match="mapping"):
        client.flows.create(PROMPT_TEMPLATE, parameters=[1])  # type: ignore[arg-type]
    assert emu.ledger == []


def test_bad_sort_field(client: Generio) -> None:
    """list(sort_by=...) names the allowed fields."""
    with pytest.raises(InputError, match="created_at"):
        client.flows.list(sort_by="size")
