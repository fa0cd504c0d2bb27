"""The 3D models the emulator hands out, and sample GLBs for tests.

A prompt becomes a shape chosen by its words, an image a relief (see ``_shapes``); both are
deterministic in their input and parameters and cached.

Every model passes the Khronos glTF validator without errors: POSITION accessors carry exact
``min``/``max``, normals are unit length, index data sits in its own bufferView, and images
are PNG or JPEG bufferViews.
"""

from __future__ import annotations

import functools
import hashlib
import json
import struct
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from generio.testing._glb import ARRAY_BUFFER, ELEMENT_ARRAY_BUFFER, BinaryBuilder, pack_glb
from generio.testing._images import ImageInfo, encode_png, make_png

__all__ = ["image_model", "mesh_document", "prompt_model", "sample_glb"]

if TYPE_CHECKING:
    from generio.testing._shapes import Mesh

_FLOAT = 5126
_USHORT = 5123
_UINT = 5125
_GENERATOR = "generio emulator"

# The unit box: per face a normal and two in-plane axes; four corners each.
_FACES = (
    ((1, 0, 0), (0, 1, 0), (0, 0, 1)),
    ((-1, 0, 0), (0, 0, 1), (0, 1, 0)),
    ((0, 1, 0), (0, 0, 1), (1, 0, 0)),
    ((0, -1, 0), (1, 0, 0), (0, 0, 1)),
    ((0, 0, 1), (1, 0, 0), (0, 1, 0)),
    ((0, 0, -1), (0, 1, 0), (1, 0, 0)),
)


def _floats(values: Sequence[tuple[float, ...]]) -> bytes:
    return b"".join(struct.pack(f"<{len(v)}f", *v) for v in values)


def _accessor(view: int, component: int, count: int, kind: str, **extra: Any) -> dict[str, Any]:
    return {"bufferView": view, "componentType": component, "count": count, "type": kind, **extra}


def _mesh_document(
    builder: BinaryBuilder,
    positions: list[tuple[float, float, float]],
    normals: list[tuple[float, float, float]],
    uvs: list[tuple[float, float]] | None,
    indices: list[int],
    material: dict[str, Any],
    extras: dict[str, Any],
) -> dict[str, Any]:
    """Build a one-node, one-primitive glTF document whose data goes into ``builder``."""
    # min/max must equal the stored float32 values exactly, so compute them after rounding.
    stored = [struct.unpack("<3f", struct.pack("<3f", *p)) for p in positions]
    accessors = [
        _accessor(
            builder.add(_floats(positions), target=ARRAY_BUFFER),
            _FLOAT,
            len(positions),
            "VEC3",
            min=[min(p[i] for p in stored) for i in range(3)],
            max=[max(p[i] for p in stored) for i in range(3)],
        ),
        _accessor(builder.add(_floats(normals), target=ARRAY_BUFFER), _FLOAT, len(normals), "VEC3"),
    ]
    attributes = {"POSITION": 0, "NORMAL": 1}
    if uvs is not None:
        view = builder.add(_floats(uvs), target=ARRAY_BUFFER)
        accessors.append(_accessor(view, _FLOAT, len(uvs), "VEC2"))
        attributes["TEXCOORD_0"] = 2
    index_data = struct.pack(f"<{len(indices)}H", *indices)
    index_view = builder.add(index_data, target=ELEMENT_ARRAY_BUFFER)
    accessors.append(_accessor(index_view, _USHORT, len(indices), "SCALAR"))
    primitive = {"attributes": attributes, "indices": len(accessors) - 1, "material": 0}
    return {
        "asset": {"version": "2.0", "generator": _GENERATOR, "extras": extras},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [{"mesh": 0, "name": "model"}],
        "meshes": [{"primitives": [primitive], "name": "model"}],
        "materials": [material],
        "accessors": accessors,
    }


def _add_texture(document: dict[str, Any], builder: BinaryBuilder, image: bytes, mime: str) -> None:
    """Embed an image as the material's base colour texture."""
    document["images"] = [{"bufferView": builder.add(image), "mimeType": mime}]
    document["samplers"] = [{"magFilter": 9729, "minFilter": 9987}]
    document["textures"] = [{"source": 0, "sampler": 0}]
    document["materials"][0]["pbrMetallicRoughness"]["baseColorTexture"] = {"index": 0}


def _box(size: float) -> tuple[list[Any], list[Any], list[Any], list[int]]:
    positions: list[tuple[float, float, float]] = []
    normals: list[tuple[float, float, float]] = []
    uvs: list[tuple[float, float]] = []
    indices: list[int] = []
    h = size / 2
    for normal, u, v in _FACES:
        base = len(positions)
        for su, sv in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
            positions.append(
                tuple(h * (normal[i] + su * u[i] + sv * v[i]) for i in range(3))  # type: ignore[arg-type]
            )
            normals.append(tuple(float(c) for c in normal))  # type: ignore[arg-type]
            uvs.append(((su + 1) / 2, (1 - sv) / 2))
        indices += [base, base + 1, base + 2, base, base + 2, base + 3]
    return positions, normals, uvs, indices


#: Words of a prompt that name a colour or a material, and the colour they give.
_COLOUR_WORDS: dict[str, tuple[int, int, int]] = {
    "wooden": (150, 96, 48), "wood": (150, 96, 48), "oak": (170, 120, 70),
    "brown": (120, 75, 40), "red": (190, 40, 40), "orange": (230, 130, 30),
    "yellow": (230, 200, 50), "gold": (212, 175, 55), "golden": (212, 175, 55),
    "green": (60, 150, 70), "blue": (50, 90, 190), "purple": (120, 60, 160),
    "pink": (230, 130, 170), "white": (235, 235, 235), "black": (35, 35, 35),
    "grey": (128, 128, 128), "gray": (128, 128, 128), "silver": (190, 190, 200),
    "stone": (140, 135, 125), "glass": (190, 220, 230),
}  # fmt: skip


def _colour(text: str) -> tuple[int, int, int]:
    """Pick the colour a prompt names (its first colour or material word), else by its hash."""
    for word in text.lower().replace(",", " ").split():
        if word in _COLOUR_WORDS:
            return _COLOUR_WORDS[word]
    digest = hashlib.sha256(text.encode()).digest()
    return digest[0], digest[1], digest[2]


def mesh_document(
    builder: BinaryBuilder,
    mesh: Mesh,
    textured: bool,
    material: dict[str, Any],
    extras: dict[str, Any],
) -> dict[str, Any]:
    """Build a one-node glTF document for a numpy :class:`Mesh` (indices 16 or 32 bit)."""
    positions = mesh.positions.astype("<f4")
    accessors = [
        _accessor(
            builder.add(positions.tobytes(), target=ARRAY_BUFFER),
            _FLOAT,
            len(positions),
            "VEC3",
            min=[float(x) for x in positions.min(axis=0)],
            max=[float(x) for x in positions.max(axis=0)],
        ),
        _accessor(
            builder.add(mesh.normals.astype("<f4").tobytes(), target=ARRAY_BUFFER),
            _FLOAT,
            len(positions),
            "VEC3",
        ),
    ]
    attributes = {"POSITION": 0, "NORMAL": 1}
    if textured:
        view = builder.add(mesh.uvs.astype("<f4").tobytes(), target=ARRAY_BUFFER)
        accessors.append(_accessor(view, _FLOAT, len(positions), "VEC2"))
        attributes["TEXCOORD_0"] = 2
    wide = len(positions) > 65535
    indices = mesh.triangles.astype("<u4" if wide else "<u2").ravel()
    index_view = builder.add(indices.tobytes(), target=ELEMENT_ARRAY_BUFFER)
    accessors.append(_accessor(index_view, _UINT if wide else _USHORT, len(indices), "SCALAR"))
    primitive = {"attributes": attributes, "indices": len(accessors) - 1, "material": 0}
    return {
        "asset": {"version": "2.0", "generator": _GENERATOR, "extras": extras},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [{"mesh": 0, "name": "model"}],
        "meshes": [{"primitives": [primitive], "name": "model"}],
        "materials": [material],
        "accessors": accessors,
    }


@functools.lru_cache(maxsize=16)
def _pattern(side: int, bands: int) -> bytes:
    """Paint light and darker grey diagonal bands as a PNG; the material's colour tints it."""
    import numpy as np

    y, x = np.mgrid[0:side, 0:side]
    grey = (210 + 45 * np.sign(np.sin((x + y) * np.pi * bands / side))).clip(0, 255)
    rgba = np.dstack([grey, grey, grey, np.full((side, side), 255)]).astype(np.uint8)
    return encode_png(side, side, rgba.tobytes())


@functools.lru_cache(maxsize=64)
def _prompt_glb(prompt: str, quality: str, seed: int, texture: bool, extras_json: str) -> bytes:
    from generio.testing._shapes import family_of, shape

    red, green, blue = _colour(prompt)
    material: dict[str, Any] = {
        "name": "generated",
        "pbrMetallicRoughness": {
            # The texture is grey bands: glTF multiplies it by this colour.
            "baseColorFactor": [red / 255, green / 255, blue / 255, 1.0],
            "metallicFactor": 0.0,
            "roughnessFactor": 0.8,
        },
    }
    extras = json.loads(extras_json)
    extras["shape"] = family_of(prompt)
    builder = BinaryBuilder()
    document = mesh_document(builder, shape(prompt, seed, quality), texture, material, extras)
    if texture:
        side = 128 if quality == "high" else 32
        image = _pattern(side, 3 + seed % 5 if seed >= 0 else 4)
        _add_texture(document, builder, image, "image/png")
    document["bufferViews"] = builder.views
    return pack_glb(document, builder.getvalue())


def prompt_model(prompt: str, parameters: dict[str, Any]) -> bytes:
    """Make the model for a prompt: a shape picked by the prompt's words (see ``_shapes``).

    Deterministic in (prompt, quality, seed, texture); ``texture`` adds UVs and a banded
    grey texture that the material's colour (from the prompt) tints. The prompt, parameters
    and shape family are recorded in ``asset.extras``. Results are cached, as flows repeat
    prompts.
    """
    extras = {"prompt": prompt, "template": "model_generate_fromprompt", "parameters": parameters}
    return _prompt_glb(
        prompt,
        str(parameters.get("quality", "high")),
        int(parameters.get("seed", -1)),
        bool(parameters.get("texture", True)),
        json.dumps(extras, sort_keys=True),
    )


@functools.lru_cache(maxsize=32)
def _image_glb(
    image: bytes, info: ImageInfo, declared_mime: str, quality: str, texture: bool, extras_json: str
) -> bytes:
    from generio.testing._shapes import relief
    from generio.testing._silhouette import image_solid

    extras: dict[str, Any] = json.loads(extras_json)
    if info.embeddable and info.mime is not None:
        picture, mime = image, info.mime
    else:
        picture, mime = make_png(8, 8), "image/png"
        extras["placeholder"] = True
        extras["placeholder_reason"] = (
            f"{info.mime or declared_mime} is not an image type glTF 2.0 can embed"
            if info.mime
            else "the image data could not be recognised"
        )
    cut_out = image_solid(image, info.width, info.height, quality)
    if cut_out is not None:
        mesh, extras["relief"], extras["shape"] = cut_out, True, "silhouette"
    else:
        mesh, extras["relief"] = relief(image, info.width, info.height, quality)
        extras["shape"] = "relief" if extras["relief"] else "flat"
    material: dict[str, Any] = {
        "name": "image",
        "doubleSided": True,
        "pbrMetallicRoughness": {"metallicFactor": 0.0, "roughnessFactor": 1.0},
    }
    builder = BinaryBuilder()
    document = mesh_document(builder, mesh, texture, material, extras)
    if texture:
        _add_texture(document, builder, picture, mime)
    document["bufferViews"] = builder.views
    return pack_glb(document, builder.getvalue())


def image_model(
    image: bytes, info: ImageInfo, declared_mime: str, parameters: dict[str, Any]
) -> bytes:
    """Make a model of the image, in its aspect ratio, textured with the image itself.

    A picture of one thing on a plain background (or with transparency around it) becomes
    a rounded solid of the thing's silhouette (see ``_silhouette``); any other picture a
    relief where bright pixels stand out. ``asset.extras["shape"]`` says which
    (``silhouette``, ``relief``, or ``flat`` for an image that could not be read;
    ``asset.extras["relief"]`` says whether it could; Pillow reads TIFF and WEBP too).
    TIFF and WEBP are not glTF 2.0 core image types: the texture is then a placeholder
    PNG and ``asset.extras`` says why, keeping the output valid for every viewer.
    ``texture=false`` leaves out the texture and the UVs.
    """
    extras: dict[str, Any] = {
        "template": "model_generate_fromimage",
        "parameters": parameters,
        "source_mime": declared_mime,
        "source_bytes": len(image),
    }
    return _image_glb(
        image,
        info,
        declared_mime,
        str(parameters.get("quality", "high")),
        bool(parameters.get("texture", True)),
        json.dumps(extras, sort_keys=True),
    )


def sample_glb(min_bytes: int = 0) -> bytes:
    """Make a valid GLB to upload to ``model_optimize``, of at least ``min_bytes``.

    The padding is a point cloud at the origin in a second mesh, so the file stays free of
    validator errors at any size (the benchmarks push ~200 MB through the emulator).
    """
    positions, normals, _, indices = _box(2.0)
    material: dict[str, Any] = {"name": "sample", "pbrMetallicRoughness": {"metallicFactor": 0.0}}
    builder = BinaryBuilder()
    document = _mesh_document(
        builder, positions, normals, None, indices, material, {"sample": True}
    )
    padding_points = max(0, min_bytes - 1500) // 12
    if padding_points:
        view = builder.add(bytes(12 * padding_points), target=ARRAY_BUFFER)
        zero = [0.0, 0.0, 0.0]
        document["accessors"].append(
            _accessor(view, _FLOAT, padding_points, "VEC3", min=zero, max=zero)
        )
        points = {"attributes": {"POSITION": len(document["accessors"]) - 1}, "mode": 0}
        document["meshes"].append({"primitives": [points], "name": "padding"})
        document["nodes"].append({"mesh": 1, "name": "padding"})
        document["scenes"][0]["nodes"].append(1)
    document["bufferViews"] = builder.views
    return pack_glb(document, builder.getvalue())
