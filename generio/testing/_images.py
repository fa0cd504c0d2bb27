"""Small images made from scratch, and a sniffer for what an uploaded image really is.

glTF 2.0 core embeds only PNG and JPEG; the emulator needs valid ones for textures and
placeholders, and tests need them as inputs, without an imaging library.
"""

from __future__ import annotations

import struct
import zlib

from attrs import frozen

__all__ = ["ImageInfo", "encode_png", "make_jpeg", "make_png", "sniff_image"]

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def make_png(
    width: int = 4, height: int = 4, rgba: tuple[int, int, int, int] = (200, 120, 40, 255)
) -> bytes:
    """Make a valid RGBA PNG: a checkerboard of ``rgba`` and its inverse."""
    if width < 1 or height < 1:
        raise ValueError("a PNG needs at least one pixel")
    other = (255 - rgba[0], 255 - rgba[1], 255 - rgba[2], rgba[3])
    pixels = bytearray()
    for y in range(height):
        for x in range(width):
            pixels.extend(rgba if (x + y) % 2 == 0 else other)
    return encode_png(width, height, bytes(pixels))


def encode_png(width: int, height: int, rgba: bytes) -> bytes:
    """Encode ``width * height`` RGBA pixels, row by row from the top, as a PNG."""
    if len(rgba) != 4 * width * height:
        raise ValueError("the pixel data does not match the size")
    stride = 4 * width
    # Each row starts with its filter type: 0, None.
    rows = b"".join(b"\x00" + rgba[y * stride : (y + 1) * stride] for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        _PNG_SIGNATURE
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(rows))
        + _png_chunk(b"IEND", b"")
    )


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def make_jpeg() -> bytes:
    """Make a valid 8x8 mid-grey baseline JPEG (greyscale, one block, DC only)."""
    app0 = _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    dqt = _segment(0xDB, b"\x00" + b"\x01" * 64)
    sof0 = _segment(0xC0, struct.pack(">BHHB", 8, 8, 8, 1) + b"\x01\x11\x00")
    # One Huffman code each, of length 1: DC category 0 and AC end-of-block.
    counts = b"\x01" + b"\x00" * 15
    dht_dc = _segment(0xC4, b"\x00" + counts + b"\x00")
    dht_ac = _segment(0xC4, b"\x10" + counts + b"\x00")
    sos = _segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
    scan = b"\x3f"  # bits 0 (DC diff 0) and 0 (EOB), padded with ones
    return b"\xff\xd8" + app0 + dqt + sof0 + dht_dc + dht_ac + sos + scan + b"\xff\xd9"


@frozen
class ImageInfo:
    """What an image's bytes are, whatever MIME type the client declared.

    Attributes:
        mime: ``image/png`` or ``image/jpeg`` when glTF can embed it; otherwise what the
            header suggests (``image/tiff``, ``image/webp``) or None.
        width: Pixels, when readable.
        height: Pixels, when readable.
    """

    mime: str | None
    width: int = 0
    height: int = 0

    @property
    def embeddable(self) -> bool:
        """Whether glTF 2.0 core can carry the image as it is."""
        return self.mime in ("image/png", "image/jpeg") and self.width > 0 and self.height > 0


def _jpeg_size(data: bytes) -> tuple[int, int]:
    """Width and height from the first SOF segment, or (0, 0) when there is none."""
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return 0, 0
        marker = data[pos + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        (length,) = struct.unpack_from(">H", data, pos + 2)
        is_sof = 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC)
        if is_sof and pos + 9 <= len(data):
            height, width = struct.unpack_from(">HH", data, pos + 5)
            return width, height
        pos += 2 + length
    return 0, 0


def sniff_image(data: bytes) -> ImageInfo:
    """Identify an image by its magic bytes and read its size where glTF needs it."""
    if data.startswith(_PNG_SIGNATURE) and len(data) >= 24 and data[12:16] == b"IHDR":
        width, height = struct.unpack_from(">II", data, 16)
        return ImageInfo("image/png", width, height)
    if data.startswith(b"\xff\xd8\xff"):
        width, height = _jpeg_size(data)
        return ImageInfo("image/jpeg", width, height)
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return ImageInfo("image/tiff")
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ImageInfo("image/webp")
    return ImageInfo(None)
