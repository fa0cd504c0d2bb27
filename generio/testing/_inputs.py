"""Decoding and checking an input's ``data`` for a template, once, at upload.

Files travel as ``data:<MIME type>;base64,<data>``; prompts as plain text. What a request
gets wrong (no data URI, the wrong MIME type, bad base64) is a ``ValueError`` that the app
turns into FastAPI's 422 body; what only processing would discover (a broken GLB) is kept as
a ``problem`` that fails the flow later, as a real service would.
"""

from __future__ import annotations

import binascii
import re

from attrs import frozen

from generio.testing._glb import GlbLayout, read_glb
from generio.testing._images import ImageInfo, sniff_image
from generio.testing._templates import TemplateSpec

__all__ = ["ParsedInput", "decode_payload", "parse_input"]

_MIME = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*")
_FORMAT = "data:<MIME type>;base64,<data>"


@frozen
class ParsedInput:
    """An accepted input.

    Attributes:
        data: What ``GET .../inputs/{asset_id}`` returns: the data URI, or the prompt text.
        mime: The declared MIME type (``text/plain`` for prompts).
        is_uri: Whether ``data`` is a data URI (safe to embed in JSON without escaping).
        image: What an image input really is.
        glb: The framing and JSON of a model input.
        problem: Why processing this input will fail, if it will.
    """

    data: str
    mime: str
    is_uri: bool
    image: ImageInfo | None = None
    glb: GlbLayout | None = None
    problem: str | None = None


def _split(data: str) -> tuple[str, int]:
    """Return the MIME type and where the base64 payload starts.

    Raises:
        ValueError: When ``data`` is not a base64 data URI.
    """
    if not data.startswith("data:"):
        raise ValueError(f"expected a data URI ({_FORMAT})")
    comma = data.find(",")
    if comma < 0:
        raise ValueError(f"the data URI has no ',' before its data ({_FORMAT})")
    parts = [part.strip() for part in data[5:comma].split(";")]
    if len(parts) < 2 or parts[-1].lower() != "base64":
        raise ValueError(f"the data URI must be base64-encoded ({_FORMAT})")
    mime = parts[0].lower()
    if not _MIME.fullmatch(mime):
        raise ValueError(f"the data URI has no valid MIME type ({_FORMAT})")
    return mime, comma + 1


def decode_payload(data: str, start: int) -> bytes:
    """Strictly decode the base64 after ``start``.

    Raises:
        ValueError: For characters outside the alphabet, bad padding or no data at all.
    """
    try:
        raw = binascii.a2b_base64(data[start:], strict_mode=True)
    except ValueError:  # binascii.Error, or non-ASCII text
        raise ValueError("the data URI's data is not valid base64") from None
    if not raw:
        raise ValueError("the data URI holds no data")
    return raw


def _prompt(template: TemplateSpec, data: str) -> ParsedInput:
    text = data
    if data.startswith("data:"):
        mime, start = _split(data)
        if mime != "text/plain":
            raise ValueError(
                f"MIME type {mime!r} is not accepted by template {template.name!r}; "
                "send the prompt as plain text"
            )
        try:
            text = decode_payload(data, start).decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError("the prompt is not UTF-8 text") from None
    if not text.strip():
        raise ValueError("the prompt is empty")
    return ParsedInput(text, "text/plain", is_uri=False)


def parse_input(template: TemplateSpec, data: str) -> ParsedInput:
    """Check ``data`` against the template and keep what processing will need.

    Raises:
        ValueError: Saying what is wrong, for the 422 response.
    """
    if template.kind == "prompt":
        return _prompt(template, data)
    mime, start = _split(data)
    if not template.accepts(mime):
        raise ValueError(
            f"MIME type {mime!r} is not accepted by template {template.name!r}; "
            f"use one of {', '.join(template.input_types)}"
        )
    raw = decode_payload(data, start)
    canonical = data if data[5 : start - 1] == f"{mime};base64" else None
    stored = canonical or f"data:{mime};base64,{data[start:]}"
    if template.kind == "image":
        return ParsedInput(stored, mime, is_uri=True, image=sniff_image(raw))
    try:
        return ParsedInput(stored, mime, is_uri=True, glb=read_glb(raw))
    except ValueError as exc:
        return ParsedInput(stored, mime, is_uri=True, problem=f"cannot read the model: {exc}")
