"""Image to 3D of a picture of a thing: a closed, rounded solid of its silhouette, not a tile."""

from __future__ import annotations

import io
from collections import Counter

import numpy as np
import pytest
from PIL import Image, ImageDraw

from generio.testing import sample_chair_png, sample_png
from generio.testing._images import encode_png
from tests.emulator.test_emulator_models import IMAGE, OPTIMIZE, Model, _output
from tests.helpers.emulator import Api, data_uri


def _picture_mask(png: bytes, size: int) -> np.ndarray:
    """Find the thing's pixels in a picture on white (or transparent), rows from the top."""
    with Image.open(io.BytesIO(png)) as opened:
        rgba = np.asarray(opened.convert("RGBA").resize((size, size)), dtype=np.int32)
    if rgba[..., 3].min() < 128:
        return rgba[..., 3] >= 128
    return np.abs(rgba[..., :3] - 255).sum(axis=2) > 150


def _front_view(model: Model, size: int) -> np.ndarray:
    """Rasterise the model seen from the front (x right, y up) into the picture's frame."""
    positions = model.positions
    faces = model.accessor(model.primitive["indices"]).reshape(-1, 3)
    low, high = positions.min(axis=0), positions.max(axis=0)
    scale = (size - 1) / (high[:2] - low[:2]).max()
    canvas = Image.new("1", (size, size), 0)
    draw = ImageDraw.Draw(canvas)
    # The picture's frame: the model spans the picture's width; its base sits on the bottom
    # margin the picture had. Compared by shape, so align the two boxes instead.
    xy = (positions[:, :2] - low[:2]) * scale
    for face in faces:
        draw.polygon([(x, size - 1 - y) for x, y in xy[face]], fill=1)
    return np.asarray(canvas, dtype=bool)


def _crop(mask: np.ndarray) -> np.ndarray:
    rows, columns = np.nonzero(mask)
    return mask[rows.min() : rows.max() + 1, columns.min() : columns.max() + 1]


def _same_shape(a: np.ndarray, b: np.ndarray, size: int = 128) -> float:
    """Intersection over union of two masks, each cropped to its box and scaled alike."""
    scaled = [
        np.asarray(Image.fromarray(_crop(m).astype(np.uint8) * 255).resize((size, size))) > 127
        for m in (a, b)
    ]
    return float((scaled[0] & scaled[1]).sum() / (scaled[0] | scaled[1]).sum())


def _open_edges(model: Model) -> int:
    """Edges of the mesh on one triangle only, or an odd number: a hole (0 when closed).

    Front and back meet along the outline; at a concave corner they may also meet along an
    inner edge (a crease, four triangles): closed all the same.
    """
    faces = model.accessor(model.primitive["indices"]).reshape(-1, 3)
    positions = model.positions
    _, weld = np.unique(positions.round(5), axis=0, return_inverse=True)
    welded = weld.reshape(-1)[faces]
    edges = Counter(
        tuple(sorted((int(f[i]), int(f[(i + 1) % 3])))) for f in welded for i in range(3)
    )
    return sum(1 for count in edges.values() if count % 2)


def test_a_chair_picture_becomes_a_chair_shaped_solid(api: Api) -> None:
    """The sample chair: a closed solid, deep as a thing is, whose front view is the chair."""
    picture = sample_chair_png()
    model = Model(_output(api, IMAGE, data_uri("image/png", picture)))
    extras = model.document["asset"]["extras"]
    assert extras["shape"] == "silhouette"
    assert extras["relief"] is True
    width, height, depth = model.extent
    assert depth > 0.2 * max(width, height)  # a solid, not a tile (the old one: 0.009)
    assert _open_edges(model) == 0
    assert _same_shape(_front_view(model, 256), _picture_mask(picture, 256)) > 0.85
    assert 2000 < model.triangles < 20000


def test_a_transparent_picture_is_cut_out_by_its_alpha(api: Api) -> None:
    """A PNG whose thing stands on transparency: the solid has the opaque part's shape."""
    size = 64
    rgba = np.zeros((size, size, 4), np.uint8)
    rgba[8:56, 20:44] = (40, 90, 200, 255)  # an upright block
    rgba[8:20, 8:56] = (40, 90, 200, 255)  # and a bar across its top: a T
    picture = encode_png(size, size, rgba.tobytes())
    model = Model(_output(api, IMAGE, data_uri("image/png", picture)))
    assert model.document["asset"]["extras"]["shape"] == "silhouette"
    assert _same_shape(_front_view(model, 128), _picture_mask(picture, 128)) > 0.8
    assert _open_edges(model) == 0


@pytest.mark.parametrize(
    "picture",
    [sample_png(64, 64), sample_png(1, 1)],
    ids=["checkerboard", "one-pixel"],
)
def test_a_picture_of_no_thing_stays_a_relief(api: Api, picture: bytes) -> None:
    """A pattern with no plain background is no silhouette: it keeps the brightness relief."""
    model = Model(_output(api, IMAGE, data_uri("image/png", picture)))
    assert model.document["asset"]["extras"]["shape"] in ("relief", "flat")


def test_the_optimised_chair_is_much_simpler_and_still_the_chair(api: Api) -> None:
    """The demo's step 3: a tenth of the triangles, the same size, the same front view."""
    source = _output(api, IMAGE, data_uri("image/png", sample_chair_png()))
    before = Model(source)
    after = Model(_output(api, OPTIMIZE, data_uri("model/gltf-binary", source), polygon_count=800))
    assert after.triangles <= 800 < before.triangles // 8
    assert after.extent == pytest.approx(before.extent, rel=0.1)
    assert _same_shape(_front_view(after, 256), _front_view(before, 256)) > 0.75
