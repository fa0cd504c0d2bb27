"""MIME types from magic bytes, file names and explicit choices."""

from __future__ import annotations

import pytest

from generio._payload import mime as _mime

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
TIFF_LE = b"II*\x00\x08\x00\x00\x00"
TIFF_BE = b"MM\x00*\x00\x00\x00\x08"
BIGTIFF_LE = b"II+\x00\x08\x00\x00\x00"
BIGTIFF_BE = b"MM\x00+\x00\x08\x00\x00"
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 "
GIF87 = b"GIF87a\x01\x00\x01\x00"
GIF89 = b"GIF89a\x01\x00\x01\x00"
GLB = b"glTF\x02\x00\x00\x00\x00\x01\x00\x00"


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (PNG, "image/png"),
        (JPEG, "image/jpeg"),
        (TIFF_LE, "image/tiff"),
        (TIFF_BE, "image/tiff"),
        (BIGTIFF_LE, "image/tiff"),
        (BIGTIFF_BE, "image/tiff"),
        (WEBP, "image/webp"),
        (GIF87, "image/gif"),
        (GIF89, "image/gif"),
        (GLB, "model/gltf-binary"),
    ],
)
def test_sniff_recognises_each_magic(head: bytes, expected: str) -> None:
    """Every supported format is recognised from its leading bytes."""
    assert _mime.sniff(head) == expected
    assert _mime.sniff(head + b"\x00" * 100) == expected


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b"\x89PNG",  # cut short
        b"\xff\xd8",
        b"RIFF\x24\x00\x00\x00WAVEfmt ",  # RIFF, but audio
        b"RIFF\x24\x00\x00",  # RIFF cut before the form type
        b"GIF88a",
        b'{"asset": {"version": "2.0"}}',  # glTF JSON is not sniffed
        b"hello world",
        b"gltf",  # the magic is case-sensitive
        b"II*",
        b"MM\x00",
    ],
)
def test_sniff_returns_none_for_unknown_content(head: bytes) -> None:
    """Unknown, truncated or near-miss content is not guessed."""
    assert _mime.sniff(head) is None


def test_sniff_bytes_is_enough_for_every_format() -> None:
    """SNIFF_BYTES leading bytes suffice for every magic."""
    for head in (PNG, JPEG, TIFF_LE, TIFF_BE, WEBP, GIF87, GLB):
        assert _mime.sniff(head[: _mime.SNIFF_BYTES]) is not None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("a.png", "image/png"),
        ("a.PNG", "image/png"),
        ("a.jpg", "image/jpeg"),
        ("a.JpEg", "image/jpeg"),
        ("a.tif", "image/tiff"),
        ("a.tiff", "image/tiff"),
        ("a.webp", "image/webp"),
        ("a.gif", "image/gif"),
        ("model.glb", "model/gltf-binary"),
        ("model.gltf", "model/gltf+json"),
        ("prompt.txt", "text/plain"),
        ("dir.v2/photo.jpeg", "image/jpeg"),
        ("C:\\Users\\me\\photo.png", "image/png"),
        ("archive.tar.png", "image/png"),
        ("noext", None),
        ("photo.", None),
        (".png", None),  # a hidden file without an extension
        ("dir.png/readme", None),
        ("a.bmp", None),
        ("", None),
    ],
)
def test_guess_from_name(name: str, expected: str | None) -> None:
    """The last extension of the last path component decides, ignoring case."""
    assert _mime.guess_from_name(name) == expected


@pytest.mark.parametrize(
    ("mime", "expected"),
    [
        ("image/png", "image/png"),
        ("IMAGE/PNG", "image/png"),
        ("  image/png  ", "image/png"),
        ("image/jpg", "image/jpeg"),
        ("Image/JPG; charset=x", "image/jpeg"),
        ("image/jpeg;q=1", "image/jpeg"),
        ("text/plain; charset=utf-8", "text/plain"),
        ("model/gltf-binary", "model/gltf-binary"),
    ],
)
def test_normalize(mime: str, expected: str) -> None:
    """Types are lower-cased, stripped of parameters and whitespace, aliases resolved."""
    assert _mime.normalize(mime) == expected


@pytest.mark.parametrize(
    ("mime", "expected"),
    [
        ("model/gltf-binary", ".glb"),
        ("model/gltf+json", ".gltf"),
        ("image/png", ".png"),
        ("image/jpeg", ".jpg"),
        ("image/jpg", ".jpg"),
        ("image/tiff", ".tiff"),
        ("image/webp", ".webp"),
        ("image/gif", ".gif"),
        ("text/plain", ".txt"),
        ("Text/Plain; charset=utf-8", ".txt"),
        ("application/octet-stream", ".bin"),
        ("nonsense", ".bin"),
    ],
)
def test_extension_for(mime: str, expected: str) -> None:
    """Each known type has its extension; anything else is saved as .bin."""
    assert _mime.extension_for(mime) == expected


@pytest.mark.parametrize(
    ("head", "name", "explicit", "expected"),
    [
        (PNG, "x.jpg", "image/webp", "image/webp"),  # explicit wins over both
        (PNG, "x.jpg", "IMAGE/JPG", "image/jpeg"),  # and is normalized
        (PNG, "x.jpg", None, "image/png"),  # content wins over the name
        (b"????", "x.jpg", None, "image/jpeg"),  # the name when content says nothing
        (b"????", None, None, None),
        (b"????", "x.unknown", None, None),
        (b"", "prompt.txt", None, "text/plain"),
        (GLB, None, "", "model/gltf-binary"),  # an empty explicit type counts as none
    ],
)
def test_detect_order(head: bytes, name: str | None, explicit: str | None, expected: str) -> None:
    """detect() prefers the explicit type, then the content, then the name."""
    assert _mime.detect(head, name, explicit) == expected
