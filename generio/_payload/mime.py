"""MIME types of assets: from content (magic bytes), from a file name, or given explicitly."""

from __future__ import annotations

from pathlib import PurePosixPath

#: How many leading bytes :func:`sniff` needs to recognise every format it knows.
SNIFF_BYTES = 16

# Leading bytes per type (WebP, "RIFF....WEBP", is told in sniff). TIFF: little- and
# big-endian, classic and BigTIFF.
_MAGIC = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    **dict.fromkeys((b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"), "image/tiff"),
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
    b"glTF": "model/gltf-binary",
}

#: A GLB model (binary glTF): what the 3D templates make.
GLB_MIME = "model/gltf-binary"

#: Extensions and their types; the first extension of a type is the one it is saved under.
_BY_EXTENSION: dict[str, str] = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".tiff": "image/tiff",
    ".tif": "image/tiff",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".glb": "model/gltf-binary",
    ".gltf": "model/gltf+json",
    ".txt": "text/plain",
}
_EXTENSION_FOR = {mime: ext for ext, mime in reversed(_BY_EXTENSION.items())}

# Spellings seen in the wild (and in one version of the vendor's docs) for one type.
_ALIASES: dict[str, str] = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/tif": "image/tiff",
}


def sniff(head: bytes) -> str | None:
    """Return the MIME type that ``head``'s magic bytes announce, or None if unknown."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return next((mime for magic, mime in _MAGIC.items() if head.startswith(magic)), None)


def guess_from_name(name: str) -> str | None:
    r"""Return the MIME type that a file name's extension suggests (case-insensitive), or None."""
    # A hidden file such as ".png" has no extension.
    return _BY_EXTENSION.get(PurePosixPath(name.replace("\\", "/")).suffix.lower())


def normalize(mime: str) -> str:
    """Return ``mime`` lower-cased, without parameters or whitespace, with aliases resolved."""
    bare = mime.split(";", 1)[0].strip().lower()
    return _ALIASES.get(bare, bare)


def extension_for(mime: str) -> str:
    """Return the file extension (with its dot) to save content of type ``mime`` under."""
    return _EXTENSION_FOR.get(normalize(mime), ".bin")


def detect(head: bytes, name: str | None = None, explicit: str | None = None) -> str | None:
    """Decide an asset's MIME type: ``explicit`` wins, then the content, then the name."""
    if explicit is not None and explicit.strip():
        return normalize(explicit)
    found = sniff(head)
    if found is None and name:
        found = guess_from_name(name)
    return found
