"""Facts about a GLB read from its JSON chunk alone: triangles, vertices, bounds, textures."""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Iterator, Sequence
from typing import Any

import attrs

_MAGIC = b"glTF"
_TRIANGLES, _STRIP, _FAN = 4, 5, 6
Matrix = tuple[float, ...]  # 4x4, column-major as glTF stores it
_IDENTITY: Matrix = (1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1)


@attrs.frozen
class ModelFacts:
    """What a person wants to know about a model before opening it."""

    size_bytes: int
    triangles: int
    vertices: int
    bounds_min: tuple[float, float, float] | None
    bounds_max: tuple[float, float, float] | None
    textures: int
    images: tuple[str, ...]
    meshes: int
    materials: int
    generator: str | None

    @property
    def dimensions(self) -> tuple[float, float, float] | None:
        """Width, height and depth of the bounding box, or None when unknown."""
        if self.bounds_min is None or self.bounds_max is None:
            return None
        lo, hi = self.bounds_min, self.bounds_max
        return (hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2])


def _multiply(a: Matrix, b: Matrix) -> Matrix:
    return tuple(
        sum(a[k * 4 + row] * b[col * 4 + k] for k in range(4))
        for col in range(4)
        for row in range(4)
    )


def _local(node: dict[str, Any]) -> Matrix:
    """Return a node's matrix: ``matrix`` as given, else translation * rotation * scale."""
    if isinstance(node.get("matrix"), list) and len(node["matrix"]) == 16:
        return tuple(float(v) for v in node["matrix"])
    tx, ty, tz = node.get("translation", (0, 0, 0))
    x, y, z, w = node.get("rotation", (0, 0, 0, 1))
    sx, sy, sz = node.get("scale", (1, 1, 1))
    return (
        (1 - 2 * (y * y + z * z)) * sx, 2 * (x * y + z * w) * sx, 2 * (x * z - y * w) * sx, 0,
        2 * (x * y - z * w) * sy, (1 - 2 * (x * x + z * z)) * sy, 2 * (y * z + x * w) * sy, 0,
        2 * (x * z + y * w) * sz, 2 * (y * z - x * w) * sz, (1 - 2 * (x * x + y * y)) * sz, 0,
        tx, ty, tz, 1,
    )  # fmt: skip


def _instances(document: dict[str, Any]) -> Iterator[tuple[int, Matrix]]:
    """Yield (mesh index, world matrix) for every mesh the default scene draws."""
    nodes = document.get("nodes") or []
    scenes = document.get("scenes") or []
    scene = scenes[document.get("scene", 0)] if scenes else {"nodes": range(len(nodes))}
    stack: list[tuple[int, Matrix, int]] = [(n, _IDENTITY, 0) for n in scene.get("nodes", [])]
    while stack:
        index, parent, depth = stack.pop()
        if depth > 64 or not 0 <= index < len(nodes):  # a cycle or a broken reference
            continue
        node = nodes[index]
        world = _multiply(parent, _local(node))
        if isinstance(node.get("mesh"), int):
            yield node["mesh"], world
        stack.extend((child, world, depth + 1) for child in node.get("children", []))


def _corners(lo: Sequence[float], hi: Sequence[float], m: Matrix) -> Iterator[tuple[float, ...]]:
    for x in (lo[0], hi[0]):
        for y in (lo[1], hi[1]):
            for z in (lo[2], hi[2]):
                yield tuple(m[i] * x + m[4 + i] * y + m[8 + i] * z + m[12 + i] for i in range(3))


def _image_line(document: dict[str, Any], image: dict[str, Any], binary: bytes) -> str:
    mime = str(image.get("mimeType") or "external image")
    kind = mime.removeprefix("image/").upper()
    view_index = image.get("bufferView")
    views = document.get("bufferViews") or []
    if not isinstance(view_index, int) or not 0 <= view_index < len(views):
        return kind
    view = views[view_index]
    start, length = int(view.get("byteOffset", 0)), int(view.get("byteLength", 0))
    head = binary[start : start + min(length, 24)]
    pixels = ""
    if head.startswith(b"\x89PNG") and len(head) >= 24:
        width, height = struct.unpack_from(">II", head, 16)
        pixels = f" {width}x{height}"
    return f"{kind}{pixels}, {length:,} bytes"


def _primitive_counts(document: dict[str, Any], primitive: dict[str, Any]) -> tuple[int, int]:
    accessors = document.get("accessors") or []

    def count(index: object) -> int:
        if isinstance(index, int) and 0 <= index < len(accessors):
            return int(accessors[index].get("count", 0))
        return 0

    vertices = count(primitive.get("attributes", {}).get("POSITION"))
    drawn = count(primitive["indices"]) if "indices" in primitive else vertices
    mode = primitive.get("mode", _TRIANGLES)
    if mode == _TRIANGLES:
        return drawn // 3, vertices
    if mode in (_STRIP, _FAN):
        return max(drawn - 2, 0), vertices
    return 0, vertices


def _split(data: bytes) -> tuple[dict[str, Any], bytes]:
    if len(data) < 20 or data[:4] != _MAGIC:
        raise ValueError("this is not a glTF binary (.glb): it lacks the 'glTF' header")
    (json_length,) = struct.unpack_from("<I", data, 12)
    try:
        document = json.loads(data[20 : 20 + json_length])
    except ValueError:
        raise ValueError("the GLB's JSON chunk is not valid JSON") from None
    if not isinstance(document, dict):
        raise ValueError("the GLB's JSON chunk is not an object")  # noqa: TRY004
    at = 20 + json_length
    binary = b""
    if at + 8 <= len(data):
        (bin_length,) = struct.unpack_from("<I", data, at)
        binary = data[at + 8 : at + 8 + bin_length]
    return document, binary


def model_facts(data: bytes) -> ModelFacts:
    """Read the facts of a GLB."""
    document, binary = _split(data)
    meshes = document.get("meshes") or []
    accessors = document.get("accessors") or []
    triangles = vertices = 0
    lows: list[tuple[float, ...]] = []
    for mesh_index, world in _instances(document):
        if not 0 <= mesh_index < len(meshes):
            continue
        for primitive in meshes[mesh_index].get("primitives", []):
            tris, verts = _primitive_counts(document, primitive)
            triangles, vertices = triangles + tris, vertices + verts
            position = primitive.get("attributes", {}).get("POSITION")
            if isinstance(position, int) and 0 <= position < len(accessors):
                accessor = accessors[position]
                if "min" in accessor and "max" in accessor and accessor.get("count"):
                    lows.extend(_corners(accessor["min"], accessor["max"], world))
    bounds_min = bounds_max = None
    if lows and all(math.isfinite(v) for p in lows for v in p):
        bounds_min = (min(p[0] for p in lows), min(p[1] for p in lows), min(p[2] for p in lows))
        bounds_max = (max(p[0] for p in lows), max(p[1] for p in lows), max(p[2] for p in lows))
    generator = (document.get("asset") or {}).get("generator")
    return ModelFacts(
        size_bytes=len(data),
        triangles=triangles,
        vertices=vertices,
        bounds_min=bounds_min,
        bounds_max=bounds_max,
        textures=len(document.get("textures") or []),
        images=tuple(_image_line(document, i, binary) for i in document.get("images") or []),
        meshes=len(meshes),
        materials=len(document.get("materials") or []),
        generator=generator if isinstance(generator, str) else None,
    )
