"""The facts shown beside each model are read correctly from the GLB."""

from __future__ import annotations

import pytest

from generio._glbinfo import model_facts
from generio.testing import sample_glb
from generio.testing._glb import BinaryBuilder, pack_glb
from generio.testing._meshes import prompt_model


def test_facts_of_an_emulator_model() -> None:
    """Triangles, vertices, bounds, textures and size match what the generator wrote."""
    glb = prompt_model("a blue vase", {"quality": "high", "seed": 1, "texture": True})
    facts = model_facts(glb)
    assert facts.size_bytes == len(glb)
    assert facts.triangles == 64 * 40 * 2
    assert facts.vertices == 65 * 41
    assert facts.textures == 1
    assert facts.images == (f"PNG 128x128, {facts.images[0].split(', ')[1]}",)
    assert facts.meshes == facts.materials == 1
    assert facts.bounds_min is not None
    assert facts.bounds_min[1] == pytest.approx(0.0, abs=1e-6)
    dims = facts.dimensions
    assert dims is not None
    assert 1.0 <= dims[1] <= 1.8  # the vase's height
    assert facts.generator == "generio emulator"


def test_node_transforms_move_the_bounding_box() -> None:
    """A translated and scaled node's box is the transformed accessor box."""
    builder = BinaryBuilder()
    view = builder.add(bytes(36), target=34962)
    document = {
        "asset": {"version": "2.0"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [{"children": [1], "translation": [10, 0, 0]}, {"mesh": 0, "scale": [2, 3, 4]}],
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0}}]}],
        "accessors": [
            {
                "bufferView": view,
                "componentType": 5126,
                "count": 3,
                "type": "VEC3",
                "min": [-1, -1, -1],
                "max": [1, 1, 1],
            }
        ],
    }
    document["bufferViews"] = builder.views
    facts = model_facts(pack_glb(document, builder.getvalue()))
    assert facts.bounds_min == (8, -3, -4)
    assert facts.bounds_max == (12, 3, 4)
    assert facts.triangles == 1  # three non-indexed vertices
    assert facts.textures == 0


def test_points_are_not_triangles() -> None:
    """The sample GLB's point-cloud padding adds vertices but no triangles."""
    facts = model_facts(sample_glb(10_000))
    assert facts.triangles == 12
    assert facts.vertices > 24


@pytest.mark.parametrize("data", [b"", b"not a model at all", b"glTF" + bytes(16)])
def test_a_file_that_is_not_a_glb_is_refused(data: bytes) -> None:
    """Something that is not a GLB raises ValueError saying so."""
    with pytest.raises(ValueError, match=r"glTF|JSON"):
        model_facts(data)
