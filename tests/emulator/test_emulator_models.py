"""The emulator's models behave like a generator's, and model_optimize really simplifies.

They are deterministic, shaped by their inputs, sized by quality and textured on request.

Models are fetched over HTTP from the emulator and read with a small numpy GLB reader here.
"""

from __future__ import annotations

import json
import struct
from typing import Any

import numpy as np
import pytest

from generio.testing import sample_glb, sample_png
from generio.testing._images import encode_png
from generio.testing._simplify import _shares
from tests.helpers.emulator import Api, data_uri, decode_data_uri

PROMPT = "model_generate_fromprompt"
IMAGE = "model_generate_fromimage"
OPTIMIZE = "model_optimize"


def _output(api: Api, template: str, source: str, **parameters: Any) -> bytes:
    flow = api.create(template, inputs=[{"data": source}], parameters=parameters)
    assert api.wait(flow["flow_id"])["state"] == "completed"
    (listed,) = api.client.get(f"/flows/{flow['flow_id']}/outputs").json()["outputs"]
    single = api.client.get(f"/flows/{flow['flow_id']}/outputs/{listed['asset_id']}")
    return decode_data_uri(single.json()["data"])


class Model:
    """A GLB's document, and its accessors read as numpy arrays."""

    def __init__(self, glb: bytes) -> None:
        (json_length,) = struct.unpack_from("<I", glb, 12)
        self.document: dict[str, Any] = json.loads(glb[20 : 20 + json_length])
        rest = glb[20 + json_length :]
        self.binary = rest[8:] if rest else b""

    def accessor(self, index: int) -> np.ndarray:
        """Read one accessor (tightly packed, as the emulator writes them)."""
        accessor = self.document["accessors"][index]
        view = self.document["bufferViews"][accessor["bufferView"]]
        dtype = {5123: "<u2", 5125: "<u4", 5126: "<f4"}[accessor["componentType"]]
        width = {"SCALAR": 1, "VEC2": 2, "VEC3": 3}[accessor["type"]]
        start = view.get("byteOffset", 0) + accessor.get("byteOffset", 0)
        data = np.frombuffer(self.binary, dtype, accessor["count"] * width, start)
        return data.reshape(-1, width)

    @property
    def primitive(self) -> dict[str, Any]:
        """The first primitive of the first mesh."""
        return self.document["meshes"][0]["primitives"][0]

    @property
    def triangles(self) -> int:
        """Triangles over all triangle primitives."""
        return sum(
            self.document["accessors"][p["indices"]]["count"] // 3
            for mesh in self.document["meshes"]
            for p in mesh["primitives"]
            if p.get("mode", 4) == 4
        )

    @property
    def positions(self) -> np.ndarray:
        """The first primitive's POSITION data."""
        return self.accessor(self.primitive["attributes"]["POSITION"])

    @property
    def extent(self) -> np.ndarray:
        """The size of the first primitive's bounding box."""
        positions = self.positions
        return positions.max(axis=0) - positions.min(axis=0)


def _gradient_png(width: int, height: int, *, left_bright: bool) -> bytes:
    """Make a grey ramp across the image, bright on the left or on the right."""
    ramp = np.linspace(255, 0, width) if left_bright else np.linspace(0, 255, width)
    grey = np.tile(ramp.astype(np.uint8), (height, 1))
    rgba = np.dstack([grey, grey, grey, np.full_like(grey, 255)])
    return encode_png(width, height, rgba.tobytes())


def test_the_same_prompt_and_seed_give_the_same_model(api: Api) -> None:
    """A model is a function of prompt, seed and parameters; another seed changes it."""
    first = _output(api, PROMPT, "a teapot", seed=3)
    assert _output(api, PROMPT, "a teapot", seed=3) == first
    assert _output(api, PROMPT, "a teapot", seed=4) != first


def test_quality_sets_the_triangle_count(api: Api) -> None:
    """Low quality has fewer triangles than high; high has thousands."""
    for prompt in ("a blue vase", "a wooden chair", "a rubber ring", "zzq"):
        low = Model(_output(api, PROMPT, prompt, quality="low", seed=1))
        high = Model(_output(api, PROMPT, prompt, quality="high", seed=1))
        assert 100 <= low.triangles < high.triangles, prompt
        assert high.triangles >= 2000, prompt


def test_texture_adds_an_image_and_uvs(api: Api) -> None:
    """texture=true embeds a PNG and TEXCOORD_0; texture=false has neither."""
    textured = Model(_output(api, PROMPT, "a lamp", texture=True))
    plain = Model(_output(api, PROMPT, "a lamp", texture=False))
    assert "TEXCOORD_0" in textured.primitive["attributes"]
    assert textured.document["images"][0]["mimeType"] == "image/png"
    uvs = textured.accessor(textured.primitive["attributes"]["TEXCOORD_0"])
    assert uvs.min() >= 0.0
    assert uvs.max() <= 1.0
    assert np.ptp(uvs) > 0.5
    assert "TEXCOORD_0" not in plain.primitive["attributes"]
    assert "images" not in plain.document
    assert np.array_equal(textured.positions, plain.positions)


def test_different_prompts_give_different_shapes(api: Api) -> None:
    """A chair, a vase, a ring and a box differ in shape family and in proportions."""
    prompts = {
        "chair": "a small wooden chair",
        "vase": "a tall vase",
        "torus": "a golden ring",
        "box": "a wooden crate",
    }
    extents = {}
    for family, prompt in prompts.items():
        model = Model(_output(api, PROMPT, prompt, seed=7))
        assert model.document["asset"]["extras"]["shape"] == family
        extent = model.extent
        extents[family] = extent / extent.max()
    families = list(extents)
    for i, a in enumerate(families):
        for b in families[i + 1 :]:
            assert np.abs(extents[a] - extents[b]).max() > 0.05, (a, b)


def test_an_image_shapes_a_relief(api: Api) -> None:
    """Bright pixels stand out: mirrored ramps give mirrored heights; a flat image is flat."""
    left = Model(
        _output(api, IMAGE, data_uri("image/png", _gradient_png(40, 20, left_bright=True)))
    )
    right = Model(
        _output(api, IMAGE, data_uri("image/png", _gradient_png(40, 20, left_bright=False)))
    )
    flat = Model(_output(api, IMAGE, data_uri("image/png", sample_png(1, 1))))
    for model in (left, right):
        z = model.positions[:, 2]
        assert np.ptp(z) > 0.1  # a relief, not a quad
        assert model.extent[0] == pytest.approx(2 * model.extent[1], rel=0.05)  # 2:1 image
    assert np.corrcoef(left.positions[:, 0], left.positions[:, 2])[0, 1] < -0.9
    assert np.corrcoef(right.positions[:, 0], right.positions[:, 2])[0, 1] > 0.9
    assert np.ptp(flat.positions[:, 2]) == 0.0
    assert left.document["asset"]["extras"]["relief"] is True


def test_optimize_simplifies_to_the_polygon_count(api: Api) -> None:
    """A high model optimised to 500 keeps its shape, texture and UVs with at most 500 triangles."""
    source = _output(api, PROMPT, "a tall vase", quality="high", seed=2)
    before = Model(source)
    for count in (1500, 500, 60):
        after = Model(
            _output(api, OPTIMIZE, data_uri("model/gltf-binary", source), polygon_count=count)
        )
        assert count // 3 < after.triangles <= count, count
        assert after.extent == pytest.approx(before.extent, rel=0.1)
        assert "TEXCOORD_0" in after.primitive["attributes"]
        assert after.document["images"] == before.document["images"]
        extras = after.document["asset"]["extras"]
        assert extras["simplified"] is True
        assert extras["source_triangles"] == before.triangles
        assert extras["polygon_count"] == count


def test_optimize_simplifies_an_image_relief(api: Api) -> None:
    """The demo's chain: a high image relief optimised to 1000 has at most 1000 triangles."""
    relief = _output(api, IMAGE, data_uri("image/png", _gradient_png(64, 64, left_bright=True)))
    assert Model(relief).triangles > 5000
    after = Model(_output(api, OPTIMIZE, data_uri("model/gltf-binary", relief), polygon_count=1000))
    assert 300 < after.triangles <= 1000


def test_optimize_keeps_points_and_simplifies_the_triangles(api: Api) -> None:
    """The sample's box (12 triangles) goes to at most 6; its point-cloud padding is kept."""
    source = Model(sample_glb(5000))
    after = Model(
        _output(api, OPTIMIZE, data_uri("model/gltf-binary", sample_glb(5000)), polygon_count=6)
    )
    box = after.document["meshes"][0]["primitives"][0]
    assert 1 <= after.document["accessors"][box["indices"]]["count"] // 3 <= 6
    (points,) = after.document["meshes"][1]["primitives"]
    assert points["mode"] == 0
    count = after.document["accessors"][points["attributes"]["POSITION"]]["count"]
    assert count == source.document["accessors"][-1]["count"]


@pytest.mark.parametrize(
    ("counts", "budget"), [([1000, 1, 1], 10), ([1000, 1, 1], 3), ([5120], 500), ([7, 7], 9)]
)
def test_the_triangle_budget_is_shared_without_exceeding_it(counts: list[int], budget: int) -> None:
    """Every primitive gets at least one triangle, and the shares never add up past the budget."""
    shares = _shares(counts, budget)
    assert sum(shares) <= budget
    assert min(shares) >= 1
