"""A pure-Python glTF 2.0 binary check, for machines without Node (no Khronos validator).

pygltflib (pinned in the test group) parses the GLB container and the JSON into typed
objects; the checks below are the core rules of the glTF 2.0 specification that the Khronos
validator reports as errors for the kinds of files the emulator writes: chunk framing and
alignment, every index reference in range, every bufferView inside its buffer and every
accessor inside its bufferView, the allowed component types and element types per attribute,
POSITION ``min``/``max`` present and equal to the data, and indices inside the vertex range.
``problems`` returns the list of violations (empty for a valid file) so a test can show them.
"""

from __future__ import annotations

import struct
import warnings
from typing import Any

import pygltflib

COMPONENTS = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT2": 4, "MAT3": 9, "MAT4": 16}
COMPONENT_FORMATS = {5120: "b", 5121: "B", 5122: "h", 5123: "H", 5125: "I", 5126: "f"}
INDEX_TYPES = {5121, 5123, 5125}
BUFFER_TARGETS = {34962, 34963}
PRIMITIVE_MODES = set(range(7))
IMAGE_SIGNATURES = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}
# attribute -> (element types, component types) the specification allows
ATTRIBUTES: dict[str, tuple[set[str], set[int]]] = {
    "POSITION": ({"VEC3"}, {5126}),
    "NORMAL": ({"VEC3"}, {5126}),
    "TANGENT": ({"VEC4"}, {5126}),
    "TEXCOORD": ({"VEC2"}, {5126, 5121, 5123}),
    "COLOR": ({"VEC3", "VEC4"}, {5126, 5121, 5123}),
}


def _container(data: bytes) -> list[str]:
    """Check the GLB framing: header, chunk order, types, lengths and 4-byte alignment."""
    if len(data) < 20:
        return ["shorter than a GLB header and one chunk"]
    magic, version, length = struct.unpack_from("<4sII", data)
    found = []
    if (magic, version) != (b"glTF", 2):
        found.append(f"header magic/version {magic!r}/{version}, want b'glTF'/2")
    if length != len(data):
        found.append(f"header length {length} but the file has {len(data)} bytes")
    offset, types = 12, []
    while offset + 8 <= len(data):
        chunk_length, chunk_type = struct.unpack_from("<I4s", data, offset)
        types.append(chunk_type)
        if chunk_length % 4:
            found.append(f"chunk {chunk_type!r} length {chunk_length} is not 4-byte aligned")
        if offset + 8 + chunk_length > len(data):
            found.append(f"chunk {chunk_type!r} runs past the end of the file")
        offset += 8 + chunk_length
    if offset != len(data):
        found.append("trailing bytes after the last chunk")
    if types[:1] != [b"JSON"] or types[1:] not in ([], [b"BIN\x00"]):
        found.append(f"chunks {types}, want JSON then an optional BIN")
    return found


def _index(found: list[str], what: str, value: Any, items: list[Any] | None) -> bool:
    """Record a problem unless ``value`` indexes ``items``; return whether it does."""
    if isinstance(value, int) and 0 <= value < len(items or []):
        return True
    found.append(f"{what} = {value!r} is out of range (there are {len(items or [])})")
    return False


def _read(gltf: pygltflib.GLTF2, blob: bytes, index: int) -> list[tuple[float, ...]]:
    """Decode accessor ``index``'s elements (tightly packed or strided) from the BIN chunk."""
    accessor = gltf.accessors[index]
    view = gltf.bufferViews[accessor.bufferView]
    fmt = COMPONENT_FORMATS[accessor.componentType]
    width = COMPONENTS[accessor.type]
    size = struct.calcsize("<" + fmt * width)
    stride = view.byteStride or size
    start = (view.byteOffset or 0) + (accessor.byteOffset or 0)
    return [
        struct.unpack_from("<" + fmt * width, blob, start + i * stride)
        for i in range(accessor.count)
    ]


def _accessors(gltf: pygltflib.GLTF2, found: list[str]) -> None:
    for i, accessor in enumerate(gltf.accessors):
        where = f"accessors[{i}]"
        if accessor.componentType not in COMPONENT_FORMATS or accessor.type not in COMPONENTS:
            found.append(f"{where} has type {accessor.type}/{accessor.componentType}")
            continue
        if not accessor.count or accessor.count < 1:
            found.append(f"{where}.count must be at least 1")
            continue
        width = COMPONENTS[accessor.type]
        for name in ("min", "max"):
            bound = getattr(accessor, name)  # pygltflib reads an absent bound as []
            if bound and len(bound) != width:
                found.append(f"{where}.{name} has {len(bound)} values for {accessor.type}")
        if accessor.bufferView is None:
            continue
        if not _index(found, f"{where}.bufferView", accessor.bufferView, gltf.bufferViews):
            continue
        view = gltf.bufferViews[accessor.bufferView]
        component = struct.calcsize(COMPONENT_FORMATS[accessor.componentType])
        element = component * width
        offset = accessor.byteOffset or 0
        if offset % component or ((view.byteOffset or 0) + offset) % component:
            found.append(f"{where} is not aligned to its component size {component}")
        need = offset + (accessor.count - 1) * (view.byteStride or element) + element
        if need > view.byteLength:
            found.append(f"{where} needs {need} bytes of bufferView of {view.byteLength}")


def _views(gltf: pygltflib.GLTF2, blob: bytes, found: list[str]) -> None:
    for i, buffer in enumerate(gltf.buffers):
        if buffer.uri is None and i != 0:
            found.append(f"buffers[{i}] has no uri; only buffers[0] may use the BIN chunk")
        if buffer.uri is None and not buffer.byteLength <= len(blob) < buffer.byteLength + 4:
            found.append(f"buffers[0].byteLength {buffer.byteLength}, BIN chunk {len(blob)}")
    for i, view in enumerate(gltf.bufferViews):
        where = f"bufferViews[{i}]"
        if not _index(found, f"{where}.buffer", view.buffer, gltf.buffers):
            continue
        end = (view.byteOffset or 0) + view.byteLength
        if end > gltf.buffers[view.buffer].byteLength:
            found.append(f"{where} ends at {end}, past its buffer")
        if view.byteStride is not None and not (4 <= view.byteStride <= 252):
            found.append(f"{where}.byteStride {view.byteStride} is outside 4..252")
        if view.target is not None and view.target not in BUFFER_TARGETS:
            found.append(f"{where}.target {view.target} is not a buffer target")


def _meshes(gltf: pygltflib.GLTF2, blob: bytes, found: list[str]) -> None:
    for m, mesh in enumerate(gltf.meshes):
        if not mesh.primitives:
            found.append(f"meshes[{m}] has no primitives")
        for p, primitive in enumerate(mesh.primitives):
            where = f"meshes[{m}].primitives[{p}]"
            if primitive.mode not in PRIMITIVE_MODES:
                found.append(f"{where}.mode {primitive.mode} is not a primitive mode")
            if primitive.material is not None:
                _index(found, f"{where}.material", primitive.material, gltf.materials)
            attributes = {k: v for k, v in vars(primitive.attributes).items() if v is not None}
            counts = set()
            for name, index in attributes.items():
                if not _index(found, f"{where}.{name}", index, gltf.accessors):
                    continue
                accessor = gltf.accessors[index]
                counts.add(accessor.count)
                allowed = ATTRIBUTES.get(name.split("_")[0])
                if allowed and (
                    accessor.type not in allowed[0] or accessor.componentType not in allowed[1]
                ):
                    found.append(f"{where}.{name} is {accessor.type}/{accessor.componentType}")
            if len(counts) > 1:
                found.append(f"{where}'s attributes have different counts {sorted(counts)}")
            position = attributes.get("POSITION")
            if position is None:
                found.append(f"{where} has no POSITION")
                continue
            if found:
                continue  # decoding below assumes the references are sound
            accessor = gltf.accessors[position]
            values = _read(gltf, blob, position)
            if not accessor.min or not accessor.max:
                found.append(f"{where}: POSITION must declare min and max")
            else:
                low = [min(v[k] for v in values) for k in range(3)]
                high = [max(v[k] for v in values) for k in range(3)]
                if not _close(low, accessor.min) or not _close(high, accessor.max):
                    found.append(f"{where}: POSITION min/max {accessor.min}/{accessor.max}")
            if primitive.indices is not None and _index(
                found, f"{where}.indices", primitive.indices, gltf.accessors
            ):
                indices = gltf.accessors[primitive.indices]
                if indices.type != "SCALAR" or indices.componentType not in INDEX_TYPES:
                    found.append(f"{where}.indices is {indices.type}/{indices.componentType}")
                elif max(v[0] for v in _read(gltf, blob, primitive.indices)) >= len(values):
                    found.append(f"{where}.indices point past the {len(values)} vertices")


def _close(actual: list[float], declared: list[float]) -> bool:
    return all(abs(a - d) <= 1e-6 * max(1.0, abs(d)) for a, d in zip(actual, declared, strict=True))


def _references(gltf: pygltflib.GLTF2, blob: bytes, found: list[str]) -> None:
    """Scenes, nodes, materials, textures and images point at things that exist."""
    if gltf.scene is not None:
        _index(found, "scene", gltf.scene, gltf.scenes)
    for s, scene in enumerate(gltf.scenes):
        for node in scene.nodes or []:
            _index(found, f"scenes[{s}].nodes", node, gltf.nodes)
    for n, node in enumerate(gltf.nodes):
        if node.mesh is not None:
            _index(found, f"nodes[{n}].mesh", node.mesh, gltf.meshes)
        for child in node.children or []:
            if child == n or not _index(found, f"nodes[{n}].children", child, gltf.nodes):
                found.append(f"nodes[{n}] has a bad child {child}")
    for m, material in enumerate(gltf.materials):
        pbr = material.pbrMetallicRoughness
        if pbr is not None and pbr.baseColorTexture is not None:
            where = f"materials[{m}].baseColorTexture"
            _index(found, where, pbr.baseColorTexture.index, gltf.textures)
    for t, texture in enumerate(gltf.textures):
        if texture.source is not None:
            _index(found, f"textures[{t}].source", texture.source, gltf.images)
        if texture.sampler is not None:
            _index(found, f"textures[{t}].sampler", texture.sampler, gltf.samplers)
    for i, image in enumerate(gltf.images):
        if image.bufferView is None:
            continue
        if not _index(found, f"images[{i}].bufferView", image.bufferView, gltf.bufferViews):
            continue
        view = gltf.bufferViews[image.bufferView]
        signature = IMAGE_SIGNATURES.get(image.mimeType or "")
        head = blob[view.byteOffset or 0 :][: len(signature or b"")]
        if signature is None or head != signature:
            found.append(f"images[{i}] is not the {image.mimeType} it declares")


def problems(data: bytes) -> list[str]:
    """Return every violation of the glTF 2.0 rules above found in the GLB ``data``."""
    found = _container(data)
    if found:
        return found
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # pygltflib warns about what it cannot read
        gltf = pygltflib.GLTF2.load_from_bytes(data)
    blob = gltf.binary_blob() or b""
    if gltf.asset is None or gltf.asset.version != "2.0":
        found.append("asset.version must be '2.0'")
    _views(gltf, blob, found)
    _accessors(gltf, found)
    _references(gltf, blob, found)
    if not found:
        _meshes(gltf, blob, found)
    return found
