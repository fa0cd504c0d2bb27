"""``model_optimize`` for real: quadric edge-collapse simplification with fast-simplification.

fast-simplification (the PyVista project's binding of Sven Forstmann's quadric mesh
simplifier) does the collapsing; this module reads a GLB's triangle primitives into numpy,
welds vertices that share a position (so UV seams do not stop the collapses), shares the
triangle budget between primitives by their size, and writes a new GLB with the same nodes,
materials and textures. UVs follow each collapse through the library's replay mapping;
normals are recomputed.

What is kept: scenes, nodes and their transforms, materials, textures, samplers, images,
points and lines primitives. What is dropped: skins, animations, morph targets and vertex
attributes other than POSITION, NORMAL and TEXCOORD_0. Models the reader cannot take
(sparse or compressed accessors, external buffers) raise ``ValueError``; the caller then
keeps the input's geometry and says so in ``asset.extras``.
"""

from __future__ import annotations

import copy
import threading
from typing import Any

import numpy as np

from generio.testing._glb import ARRAY_BUFFER, ELEMENT_ARRAY_BUFFER, BinaryBuilder, pack_glb
from generio.testing._shapes import Mesh, _normals

__all__ = ["simplify_glb", "triangle_count"]

_DTYPES = {5120: "i1", 5121: "u1", 5122: "<i2", 5123: "<u2", 5125: "<u4", 5126: "<f4"}
_WIDTH = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT2": 4, "MAT3": 9, "MAT4": 16}
_TRIANGLES = 4
# The library keeps its mesh in global C++ state: one simplification at a time.
_LOCK = threading.Lock()


def triangle_count(document: dict[str, Any]) -> int:
    """Triangles in every triangle-list primitive, from the JSON alone (no data read)."""
    return sum(
        _primitive_triangles(document, primitive)
        for mesh in document.get("meshes") or []
        for primitive in mesh.get("primitives") or []
        if primitive.get("mode", _TRIANGLES) == _TRIANGLES
    )


def _primitive_triangles(document: dict[str, Any], primitive: dict[str, Any]) -> int:
    accessors = document.get("accessors") or []
    index = primitive.get("indices", primitive.get("attributes", {}).get("POSITION"))
    if isinstance(index, int) and 0 <= index < len(accessors):
        return int(accessors[index].get("count", 0)) // 3
    return 0


def _shares(counts: list[int], budget: int) -> list[int]:
    """Split ``budget`` triangles between primitives by size: each gets one or more."""
    total = max(sum(counts), 1)
    shares = [max(1, budget * count // total) for count in counts]
    while sum(shares) > budget:  # the ones raised to 1 are paid for by the largest
        largest = max(range(len(shares)), key=shares.__getitem__)
        shares[largest] -= 1
    return shares


class _Reader:
    """Reads accessors of one GLB's BIN chunk as numpy arrays."""

    def __init__(self, document: dict[str, Any], binary: bytes) -> None:
        self.document = document
        self.binary = binary

    def accessor(self, index: int) -> np.ndarray[Any, Any]:
        accessor = self.document["accessors"][index]
        if "sparse" in accessor or "bufferView" not in accessor:
            raise ValueError("sparse accessors are not supported")
        view = self.document["bufferViews"][accessor["bufferView"]]
        if view.get("buffer", 0) != 0:
            raise ValueError("only the GLB's own buffer is supported")
        dtype = np.dtype(_DTYPES[accessor["componentType"]])
        width = _WIDTH[accessor["type"]]
        count = int(accessor["count"])
        start = view.get("byteOffset", 0) + accessor.get("byteOffset", 0)
        stride = view.get("byteStride") or dtype.itemsize * width
        if start + stride * (count - 1) + dtype.itemsize * width > len(self.binary):
            raise ValueError("an accessor reaches past the end of the binary chunk")
        raw = np.ndarray((count, width), dtype, self.binary, start, (stride, dtype.itemsize))
        array = raw.copy()
        if accessor.get("normalized"):
            array = array.astype(np.float32) / float(np.iinfo(dtype).max)
        return array.reshape(count) if width == 1 else array


def _simplify_part(positions: Any, triangles: Any, uvs: Any, target: int) -> Mesh:
    """Collapse one primitive to at most ``target`` triangles (welded, then decimated)."""
    import fast_simplification  # type: ignore[import-untyped]

    _, first, inverse = np.unique(
        positions.round(6), axis=0, return_index=True, return_inverse=True
    )
    faces = inverse.reshape(-1)[triangles].astype(np.int64)
    faces = faces[(faces[:, 0] != faces[:, 1]) & (faces[:, 1] != faces[:, 2])]
    faces = faces[faces[:, 0] != faces[:, 2]]
    points = positions[first].astype(np.float64)
    budget = target
    for _ in range(6):
        with _LOCK:
            if budget < len(faces):
                _, _, collapses = fast_simplification.simplify(
                    points, faces, target_count=max(budget, 1), return_collapses=True
                )
                new_points, new_faces, mapping = fast_simplification.replay_simplification(
                    points, faces, collapses
                )
            else:
                new_points, new_faces, mapping = points, faces, np.arange(len(points))
        if len(new_faces) <= target:
            break
        budget = int(budget * 0.8)
    if len(new_faces) > target:  # a budget below what collapses reach: keep the largest
        corners = new_points[new_faces]
        area = np.linalg.norm(
            np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0]), axis=1
        )
        new_faces = new_faces[np.sort(np.argsort(-area)[:target])]
    new_positions = np.asarray(new_points, np.float32)
    new_uvs = np.zeros((len(new_positions), 2), np.float32)
    if uvs is not None:
        # Each kept vertex takes the UV of one original vertex collapsed into it.
        source = np.full(len(new_positions), -1, np.int64)
        source[np.asarray(mapping)[::-1]] = np.arange(len(mapping))[::-1]
        found = source >= 0
        new_uvs[found] = uvs[first[source[found]]]
    faces_u32 = np.asarray(new_faces, np.uint32).reshape(-1, 3)
    return Mesh(new_positions, _normals(new_positions, faces_u32), new_uvs, faces_u32)


def _add(
    builder: BinaryBuilder, array: Any, component: int, kind: str, **extra: Any
) -> dict[str, Any]:
    target = ELEMENT_ARRAY_BUFFER if kind == "SCALAR" and component != 5126 else ARRAY_BUFFER
    view = builder.add(np.ascontiguousarray(array).tobytes(), target=target)
    count = len(array) if kind != "SCALAR" else array.size
    return {"bufferView": view, "componentType": component, "count": count, "type": kind, **extra}


def _write_part(
    builder: BinaryBuilder, accessors: list[Any], mesh: Mesh, uvs: bool
) -> dict[str, int]:
    positions = mesh.positions.astype("<f4")
    bounds = {"min": positions.min(axis=0).tolist(), "max": positions.max(axis=0).tolist()}
    added = {
        "POSITION": _add(builder, positions, 5126, "VEC3", **bounds),
        "NORMAL": _add(builder, mesh.normals.astype("<f4"), 5126, "VEC3"),
    }
    if uvs:
        added["TEXCOORD_0"] = _add(builder, mesh.uvs.astype("<f4"), 5126, "VEC2")
    attributes = {}
    for name, accessor in added.items():
        accessors.append(accessor)
        attributes[name] = len(accessors) - 1
    return attributes


def _copy_accessor(reader: _Reader, builder: BinaryBuilder, index: int) -> dict[str, Any]:
    """Re-pack a kept accessor (points, lines) tightly into the new binary chunk."""
    source = reader.document["accessors"][index]
    array = reader.accessor(index) if not source.get("normalized") else None
    if array is None:
        raise ValueError("normalized attributes outside triangles are not supported")
    extra = {k: source[k] for k in ("min", "max") if k in source}
    return _add(
        builder,
        array.astype(_DTYPES[source["componentType"]]),
        source["componentType"],
        source["type"],
        **extra,
    )


def simplify_glb(
    document: dict[str, Any], binary: bytes, polygon_count: int, extras: dict[str, Any]
) -> bytes:
    """Write a new GLB of the model with at most ``polygon_count`` triangles in all.

    Raises:
        ValueError: the model uses something the reader cannot take (see the module doc).
    """
    if document.get("extensionsRequired"):
        raise ValueError(f"required extensions {document['extensionsRequired']} are not supported")
    counts = [
        _primitive_triangles(document, primitive)
        for mesh in document.get("meshes") or []
        for primitive in mesh.get("primitives") or []
        if primitive.get("mode", _TRIANGLES) == _TRIANGLES
    ]
    if polygon_count < len(counts):
        raise ValueError(
            f"{len(counts)} triangle primitives need a polygon_count of at least {len(counts)}"
        )
    shares = iter(_shares(counts, polygon_count))
    reader = _Reader(document, binary)
    builder = BinaryBuilder()
    result = {
        k: copy.deepcopy(v)
        for k, v in document.items()
        if k not in ("skins", "animations", "accessors", "bufferViews", "buffers")
    }
    result["asset"] = {**document["asset"], "extras": extras}
    accessors: list[dict[str, Any]] = []
    for mesh in result.get("meshes") or []:
        for primitive in mesh.get("primitives") or []:
            primitive.pop("targets", None)
            old = primitive["attributes"]
            if primitive.get("mode", _TRIANGLES) == _TRIANGLES:
                positions = reader.accessor(old["POSITION"]).astype(np.float32)
                count = len(positions)
                if "indices" in primitive:
                    triangles = (
                        reader.accessor(primitive["indices"]).astype(np.int64).reshape(-1, 3)
                    )
                else:
                    triangles = np.arange(count - count % 3, dtype=np.int64).reshape(-1, 3)
                uvs = (
                    reader.accessor(old["TEXCOORD_0"]).astype(np.float32)
                    if "TEXCOORD_0" in old
                    else None
                )
                share = next(shares)
                part = _simplify_part(positions, triangles, uvs, min(share, len(triangles)))
                primitive["attributes"] = _write_part(builder, accessors, part, uvs is not None)
                index_kind = "<u4" if len(part.positions) > 65535 else "<u2"
                accessors.append(
                    _add(
                        builder,
                        part.triangles.astype(index_kind).ravel(),
                        5125 if index_kind == "<u4" else 5123,
                        "SCALAR",
                    )
                )
                primitive["indices"] = len(accessors) - 1
            else:
                for name, index in list(old.items()):
                    accessors.append(_copy_accessor(reader, builder, index))
                    old[name] = len(accessors) - 1
                if "indices" in primitive:
                    accessors.append(_copy_accessor(reader, builder, primitive["indices"]))
                    primitive["indices"] = len(accessors) - 1
    for image in result.get("images") or []:
        if "bufferView" in image:
            view = document["bufferViews"][image["bufferView"]]
            start = view.get("byteOffset", 0)
            image["bufferView"] = builder.add(binary[start : start + view["byteLength"]])
    for node in result.get("nodes") or []:
        node.pop("skin", None)
        node.pop("weights", None)
    result["accessors"] = accessors
    result["bufferViews"] = builder.views
    return pack_glb(result, builder.getvalue())
