"""A glTF 2.0 binary (GLB) writer and reader, written for the emulator's outputs.

Layout rules that validators check: a 12-byte header (magic, version 2, total length), then
chunks of (length, type, data); the JSON chunk is padded with spaces and the BIN chunk with
zeros to 4-byte boundaries; every bufferView starts 4-byte aligned; ``buffers[0]`` has no
``uri`` and its ``byteLength`` is the BIN data before padding.
"""

from __future__ import annotations

import base64
import json
import struct
from typing import Any

from attrs import frozen

__all__ = ["BinaryBuilder", "GlbLayout", "glb_prefix", "pack_glb", "read_glb", "splice_glb_uri"]

_MAGIC = 0x46546C67  # "glTF"
_JSON = 0x4E4F534A  # "JSON"
_BIN = 0x004E4942  # "BIN\0"
ARRAY_BUFFER = 34962
ELEMENT_ARRAY_BUFFER = 34963
GLB_URI_PREFIX = "data:model/gltf-binary;base64,"


def _padding(length: int) -> int:
    return (-length) % 4


class BinaryBuilder:
    """Collects the BIN chunk's pieces and the bufferViews that point into it."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._length = 0
        self.views: list[dict[str, Any]] = []

    def add(self, data: bytes, *, target: int | None = None) -> int:
        """Append ``data`` 4-byte aligned and return the index of its new bufferView."""
        pad = _padding(self._length)
        if pad:
            self._parts.append(b"\x00" * pad)
            self._length += pad
        view: dict[str, Any] = {"buffer": 0, "byteOffset": self._length, "byteLength": len(data)}
        if target is not None:
            view["target"] = target
        self._parts.append(data)
        self._length += len(data)
        self.views.append(view)
        return len(self.views) - 1

    def getvalue(self) -> bytes:
        """Return the BIN data, unpadded."""
        return b"".join(self._parts)


def _json_chunk(document: dict[str, Any], extra_pad: int = 0) -> bytes:
    raw = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
    raw += b" " * (_padding(len(raw)) + extra_pad)
    return struct.pack("<II", len(raw), _JSON) + raw


def pack_glb(document: dict[str, Any], binary: bytes) -> bytes:
    """Serialize a glTF document and its BIN data into one GLB.

    ``document`` gets its ``buffers`` set to describe ``binary`` (or none when empty).
    """
    if binary:
        document["buffers"] = [{"byteLength": len(binary)}]
    else:
        document.pop("buffers", None)
    chunks = _json_chunk(document)
    if binary:
        padded = binary + b"\x00" * _padding(len(binary))
        chunks += struct.pack("<II", len(padded), _BIN) + padded
    return struct.pack("<III", _MAGIC, 2, 12 + len(chunks)) + chunks


def glb_prefix(document: dict[str, Any], tail_length: int, phase: int) -> bytes:
    """Build the header and JSON chunk of a GLB whose other chunks are reused as they are.

    ``tail_length`` is the size of those chunks; the prefix's length is made congruent to
    ``phase`` modulo 3 so that the tail's base64 can be reused too (see
    :func:`splice_glb_uri`).
    """
    for extra in (0, 4, 8):
        chunk = _json_chunk(document, extra)
        if (12 + len(chunk)) % 3 == phase % 3:
            break
    return struct.pack("<III", _MAGIC, 2, 12 + len(chunk) + tail_length) + chunk


@frozen
class GlbLayout:
    """What the emulator keeps of an uploaded GLB.

    Attributes:
        document: The parsed JSON chunk.
        prefix_length: Bytes of header and JSON chunk (where the BIN chunk starts).
        total_length: The whole file's length.
    """

    document: dict[str, Any]
    prefix_length: int
    total_length: int


def read_glb(data: bytes) -> GlbLayout:
    """Check a GLB's framing and parse its JSON chunk.

    Raises:
        ValueError: Saying what is wrong, when ``data`` is not a well-formed GLB 2.0.
    """
    if len(data) < 20:
        raise ValueError("the file is too short to be a glTF binary")
    magic, version, length = struct.unpack_from("<III", data, 0)
    if magic != _MAGIC:
        raise ValueError("the file is not a glTF binary (no 'glTF' magic)")
    if version != 2:
        raise ValueError(f"glTF binary version {version} is not supported; use version 2")
    if length != len(data):
        raise ValueError(f"the GLB header says {length} bytes but the file has {len(data)}")
    chunk_length, chunk_type = struct.unpack_from("<II", data, 12)
    if chunk_type != _JSON or chunk_length % 4 or 20 + chunk_length > len(data):
        raise ValueError("the GLB's first chunk is not a well-formed JSON chunk")
    try:
        document = json.loads(bytes(data[20 : 20 + chunk_length]))
    except (UnicodeDecodeError, ValueError):
        raise ValueError("the GLB's JSON chunk is not valid JSON") from None
    if not isinstance(document, dict) or not isinstance(document.get("asset"), dict):
        raise ValueError  # noqa: TRY004 - a malformed upload, reported as such("the GLB's JSON chunk has no 'asset' object")
    if document["asset"].get("version") != "2.0":
        raise ValueError("the GLB's asset.version is not '2.0'")
    return GlbLayout(document, 20 + chunk_length, length)


def splice_glb_uri(source_uri: str, layout: GlbLayout, document: dict[str, Any]) -> str:
    """Make a GLB data URI from a new JSON chunk and the source's other chunks' base64.

    Re-encoding a 200 MB model would cost a decode and an encode; instead the new prefix is
    padded so the tail sits at the same offset modulo 3, and the source's base64 characters
    for the tail are copied as they are.
    """
    payload_at = source_uri.index(",") + 1
    tail_length = layout.total_length - layout.prefix_length
    old = layout.prefix_length
    prefix = glb_prefix(document, tail_length, old)
    if tail_length == 0:
        return GLB_URI_PREFIX + base64.b64encode(prefix).decode()
    # Bytes old..old+r-1 share a base64 group with the prefix: decode that group for them.
    r = (-old) % 3
    group_at = payload_at + 4 * (old // 3)
    carried = base64.b64decode(source_uri[group_at : group_at + 4])[old % 3 :] if r else b""
    head = base64.b64encode(prefix + carried).decode()
    return "".join((GLB_URI_PREFIX, head, source_uri[payload_at + 4 * (old + r) // 3 :]))
