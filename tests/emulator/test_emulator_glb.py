"""Outputs are valid glTF 2.0 binaries, whatever kind of input made them.

Two checks: a pure-Python one (``gltf_check``: pygltflib's parse plus the specification's
structural rules), which always runs, so the default ``nox`` needs only Python and pip and
reaches no network; and the Khronos validator (the npm package gltf-validator, installed on
first use into a cache outside the repository and run with Node), which runs only when asked
(``pytest --khronos``, ``nox -s khronos``; CI's ``.ci/run`` does). Asked for without Node and
npm on PATH, it fails rather than skips.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import struct
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from generio.testing import sample_glb, sample_jpeg, sample_png
from tests.helpers.emulator import Api, data_uri, decode_data_uri
from tests.helpers.gltf_check import problems

VALIDATOR = "gltf-validator@2.0.0-dev.3.10"
CACHE = Path(os.environ.get("GENERIO_TEST_CACHE", Path.home() / ".cache" / "generio-test"))
SCRIPT = """\
const validator = require("gltf-validator");
const fs = require("fs");
(async () => {
  const reports = {};
  for (const file of process.argv.slice(2)) {
    const data = new Uint8Array(fs.readFileSync(file));
    reports[file] = (await validator.validateBytes(data, { maxIssues: 100 })).issues;
  }
  process.stdout.write(JSON.stringify(reports));
})().catch((error) => { console.error(error); process.exit(1); });
"""
TIFF = b"II*\x00\x08\x00\x00\x00" + bytes(16)
WEBP = b"RIFF\x10\x00\x00\x00WEBPVP8 " + bytes(8)

Validate = Callable[[list[Path]], dict[str, Any]]


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (POSIX; elsewhere, no lock)."""
    try:
        import fcntl
    except ImportError:  # Windows: one worker at a time is up to the caller
        yield
        return
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def validate(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Validate:
    """Install the Khronos validator once (cached) and return a function running it."""
    if not pytestconfig.getoption("--khronos"):
        pytest.skip("the Khronos validator runs only when asked: nox -s khronos (pytest --khronos)")
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.fail(
            "the Khronos gltf-validator needs Node.js and npm on PATH (e.g. apt-get install "
            "nodejs npm); the pure-Python glTF check runs without them"
        )
    home = CACHE / VALIDATOR.replace("@", "-")
    home.mkdir(parents=True, exist_ok=True)
    with _locked(home / ".install.lock"):  # parallel workers (or runs) install it once
        if not (home / "node_modules" / "gltf-validator" / "package.json").is_file():
            subprocess.run(
                [npm, "install", "--prefix", str(home), "--no-audit", "--no-fund", VALIDATOR],
                check=True,
                capture_output=True,
                timeout=600,
            )
    # The script in this worker's own temporary folder; NODE_PATH lets it require the cache.
    script = tmp_path_factory.mktemp("khronos") / "validate.js"
    script.write_text(SCRIPT)
    env = {**os.environ, "NODE_PATH": str(home / "node_modules")}

    def run(files: list[Path]) -> dict[str, Any]:
        result = subprocess.run(
            [node, str(script), *map(str, files)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
        return dict(json.loads(result.stdout))

    return run


def _chunks(glb: bytes) -> tuple[dict[str, Any], bytes]:
    """Parse a GLB by the spec's layout: the JSON document and the BIN chunk."""
    magic, version, length = struct.unpack_from("<4sII", glb)
    assert (magic, version, length) == (b"glTF", 2, len(glb))
    json_length, json_type = struct.unpack_from("<I4s", glb, 12)
    assert json_type == b"JSON"
    document = json.loads(glb[20 : 20 + json_length])
    rest = glb[20 + json_length :]
    if not rest:
        return document, b""
    bin_length, bin_type = struct.unpack_from("<I4s", rest)
    assert bin_type == b"BIN\x00"
    return document, rest[8 : 8 + bin_length]


def _outputs(api: Api, template: str, inputs: list[str], **parameters: Any) -> list[bytes]:
    flow = api.create(template, inputs=[{"data": d} for d in inputs], parameters=parameters)
    assert api.wait(flow["flow_id"])["state"] == "completed"
    listed = api.client.get(f"/flows/{flow['flow_id']}/outputs").json()["outputs"]
    found = []
    for output in listed:
        single = api.client.get(f"/flows/{flow['flow_id']}/outputs/{output['asset_id']}")
        found.append(decode_data_uri(single.json()["data"]))
    return found


def _every_kind(api: Api) -> dict[str, bytes]:
    """One output of every kind: prompt, image (PNG, JPEG, TIFF, WEBP, unreadable), optimised."""
    kinds = {
        "prompt-textured": _outputs(api, "model_generate_fromprompt", ["a chair"]),
        "prompt-plain": _outputs(
            api, "model_generate_fromprompt", ["a chair"], quality="low", texture=False
        ),
        "image-png": _outputs(
            api, "model_generate_fromimage", [data_uri("image/png", sample_png(3, 5))]
        ),
        "image-jpeg": _outputs(
            api, "model_generate_fromimage", [data_uri("image/jpeg", sample_jpeg())]
        ),
        "image-jpg": _outputs(
            api, "model_generate_fromimage", [data_uri("image/jpg", sample_jpeg())]
        ),
        "image-tiff": _outputs(api, "model_generate_fromimage", [data_uri("image/tiff", TIFF)]),
        "image-webp": _outputs(api, "model_generate_fromimage", [data_uri("image/webp", WEBP)]),
        "image-unreadable": _outputs(
            api, "model_generate_fromimage", [data_uri("image/png", b"not a png")]
        ),
        "optimized": _outputs(
            api, "model_optimize", [data_uri("model/gltf-binary", sample_glb(5000))]
        ),
        "optimized-simplified-box": _outputs(
            api,
            "model_optimize",
            [data_uri("model/gltf-binary", sample_glb(5000))],
            polygon_count=6,
        ),
    }
    for prompt in ("a chair", "a vase", "a ring", "a crate", "a star", "a ball"):
        (glb,) = _outputs(api, "model_generate_fromprompt", [prompt], quality="high")
        kinds[f"prompt-{prompt[2:]}"] = [glb]
        kinds[f"optimized-{prompt[2:]}"] = _outputs(
            api, "model_optimize", [data_uri("model/gltf-binary", glb)], polygon_count=400
        )
    kinds |= {
        "image-untextured": _outputs(
            api,
            "model_generate_fromimage",
            [data_uri("image/png", sample_png(9, 4))],
            texture=False,
        ),
    }
    return {name: glb for name, (glb,) in kinds.items()}


def test_every_kind_of_output_passes_the_pure_python_check(api: Api) -> None:
    """Every kind of output passes pygltflib's parse and the spec's structural rules."""
    for name, glb in _every_kind(api).items():
        assert problems(glb) == [], name


def test_every_kind_of_output_passes_the_khronos_validator(
    api: Api, validate: Validate, tmp_path: Path
) -> None:
    """Prompt, image (PNG, JPEG, TIFF, WEBP, unreadable) and optimised outputs have no errors."""
    files = []
    for name, glb in _every_kind(api).items():
        path = tmp_path / f"{name}.glb"
        path.write_bytes(glb)
        files.append(path)
    reports = validate(files)
    for path in files:
        issues = reports[str(path)]
        assert issues["numErrors"] == 0, (path.name, issues["messages"])


def _edited(glb: bytes, edit: Callable[[dict[str, Any]], None]) -> bytes:
    """Rewrite a GLB's JSON chunk through ``edit``, keeping its BIN chunk and framing valid."""
    document, binary = _chunks(glb)
    edit(document)
    raw = json.dumps(document).encode()
    raw += b" " * (-len(raw) % 4)
    padded = binary + b"\x00" * (-len(binary) % 4)
    body = struct.pack("<I4s", len(raw), b"JSON") + raw
    if binary:
        body += struct.pack("<I4s", len(padded), b"BIN\x00") + padded
    return struct.pack("<4sII", b"glTF", 2, 12 + len(body)) + body


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """Return an edit setting the JSON value at a dotted path (numbers index lists)."""

    def edit(document: dict[str, Any]) -> None:
        *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
        target: Any = document
        for key in parents:
            target = target[key]
        target[last] = value

    return edit


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (_set("meshes.0.primitives.0.attributes.POSITION", 99), "out of range"),
        (_set("accessors.0.count", 10_000), "bytes of bufferView"),
        (_set("bufferViews.0.byteLength", 10**9), "past its buffer"),
        (_set("accessors.0.max", [9.0, 9.0, 9.0]), "POSITION min/max"),
        (_set("accessors.0.componentType", 5123), "POSITION is VEC3/5123"),
        (_set("asset.version", "1.0"), "asset.version"),
        (_set("images.0.mimeType", "image/jpeg"), "is not the image/jpeg"),
        (_set("scene", 3), "scene = 3"),
    ],
)
def test_the_pure_python_check_finds_broken_files(
    api: Api, edit: Callable[[dict[str, Any]], None], words: str
) -> None:
    """The pure-Python check reports a broken reference, bound, type or image, by name."""
    (glb,) = _outputs(api, "model_generate_fromimage", [data_uri("image/png", sample_png())])
    assert problems(glb) == []
    found = problems(_edited(glb, edit))
    assert any(words in problem for problem in found), found


def test_the_pure_python_check_finds_broken_framing() -> None:
    """A wrong header length and an unaligned chunk are framing errors."""
    glb = sample_glb(0)
    assert problems(glb) == []
    assert any("header length" in p for p in problems(glb + b"\x00\x00\x00\x00"))
    unaligned = glb[:12] + struct.pack("<I", struct.unpack_from("<I", glb, 12)[0] + 1) + glb[16:]
    assert any("not 4-byte aligned" in p for p in problems(unaligned))


def test_a_prompt_model_records_the_prompt(api: Api) -> None:
    """The prompt and the parameters are kept in the model's asset extras."""
    (glb,) = _outputs(api, "model_generate_fromprompt", ["a red sofa"], seed=5)
    document, binary = _chunks(glb)
    extras = document["asset"]["extras"]
    assert extras["prompt"] == "a red sofa"
    assert extras["parameters"] == {"quality": "high", "seed": 5, "texture": True}
    # The BIN chunk is padded to 4 bytes; the buffer's byteLength is the data before padding.
    (buffer,) = document["buffers"]
    assert len(binary) - 3 <= buffer["byteLength"] <= len(binary)
    assert document["meshes"][0]["primitives"][0]["attributes"]["POSITION"] == 0


def test_an_image_model_embeds_the_uploaded_image(api: Api) -> None:
    """PNG and JPEG inputs are embedded byte for byte as the texture."""
    for mime, image in (("image/png", sample_png(8, 4)), ("image/jpeg", sample_jpeg())):
        (glb,) = _outputs(api, "model_generate_fromimage", [data_uri(mime, image)])
        document, binary = _chunks(glb)
        (entry,) = document["images"]
        view = document["bufferViews"][entry["bufferView"]]
        start = view.get("byteOffset", 0)
        assert binary[start : start + view["byteLength"]] == image
        assert entry["mimeType"] == mime


def test_tiff_and_webp_get_a_placeholder_and_a_note(api: Api) -> None:
    """Images glTF cannot embed are replaced by a PNG placeholder, said so in extras."""
    for mime, image in (("image/tiff", TIFF), ("image/webp", WEBP)):
        (glb,) = _outputs(api, "model_generate_fromimage", [data_uri(mime, image)])
        document, _ = _chunks(glb)
        extras = document["asset"]["extras"]
        assert extras["placeholder"] is True
        assert extras["source_mime"] == mime
        assert mime in extras["placeholder_reason"]
        assert document["images"][0]["mimeType"] == "image/png"


@pytest.mark.parametrize("padding", [0, 1001, 2002, 3_000_000])
def test_an_optimized_model_keeps_the_input_binary(api: Api, padding: int) -> None:
    """A model within polygon_count keeps its meshes and BIN chunk; the count is recorded."""
    source = sample_glb(padding)
    source_document, source_binary = _chunks(source)
    for count in (12, 123456):  # the sample's box has 12 triangles: nothing to simplify
        (glb,) = _outputs(
            api, "model_optimize", [data_uri("model/gltf-binary", source)], polygon_count=count
        )
        document, binary = _chunks(glb)
        assert binary == source_binary
        assert document["meshes"] == source_document["meshes"]
        assert document["asset"]["extras"]["polygon_count"] == count
        assert document["asset"]["extras"]["sample"] is True
