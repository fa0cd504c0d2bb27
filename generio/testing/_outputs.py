"""Turning one input into its output GLB, as a data URI.

Runs when a client first asks for an output's data, never in the background. For
``model_optimize`` a model with more triangles than ``polygon_count`` is simplified for real
(see ``_simplify``); one already within the budget keeps its binary chunk as it is (base64
and all), so a 200 MB point cloud costs one string copy, not a decode and an encode.
``asset.extras`` records ``source_triangles`` and whether the model was ``simplified``.
"""

from __future__ import annotations

import base64
import copy
import struct
from typing import Any

from generio.testing._glb import GLB_URI_PREFIX, splice_glb_uri
from generio.testing._images import ImageInfo
from generio.testing._inputs import ParsedInput, decode_payload
from generio.testing._meshes import image_model, prompt_model
from generio.testing._templates import TemplateSpec

_BIN = 0x004E4942

__all__ = ["render_output"]


def _optimized_document(document: dict[str, Any], parameters: dict[str, Any]) -> dict[str, Any]:
    """Copy the input's glTF JSON, recording the polygon count in ``asset.extras``."""
    result = copy.deepcopy(document)
    asset = result["asset"]
    extras = asset.get("extras")
    extras = dict(extras) if isinstance(extras, dict) else {}
    extras.update(template="model_optimize", polygon_count=parameters["polygon_count"])
    asset["extras"] = extras
    return result


def render_output(template: TemplateSpec, parameters: dict[str, Any], source: ParsedInput) -> str:
    """Derive the output for ``source``: a ``data:model/gltf-binary;base64,...`` URI."""
    if template.kind == "prompt":
        return GLB_URI_PREFIX + base64.b64encode(prompt_model(source.data, parameters)).decode()
    if template.kind == "image":
        raw = decode_payload(source.data, source.data.index(",") + 1)
        info = source.image or ImageInfo(None)
        glb = image_model(raw, info, source.mime, parameters)
        return GLB_URI_PREFIX + base64.b64encode(glb).decode()
    if source.glb is None:  # pragma: no cover - flows with broken models fail instead
        raise ValueError(source.problem or "the input is not a glTF binary")
    # numpy and the simplifier load with the first optimisation, not with the emulator.
    from generio.testing._simplify import simplify_glb, triangle_count

    document = _optimized_document(source.glb.document, parameters)
    triangles = triangle_count(source.glb.document)
    extras = document["asset"]["extras"]
    extras["source_triangles"] = triangles
    if triangles <= parameters["polygon_count"]:
        extras["simplified"] = False  # already within the budget: the geometry is kept
        return splice_glb_uri(source.data, source.glb, document)
    raw = decode_payload(source.data, source.data.index(",") + 1)
    binary = _binary_chunk(raw, source.glb.prefix_length)
    extras["simplified"] = True
    try:
        glb = simplify_glb(source.glb.document, binary, parameters["polygon_count"], extras)
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        extras["simplified"] = False
        extras["not_simplified_because"] = str(exc) or type(exc).__name__
        return splice_glb_uri(source.data, source.glb, document)
    return GLB_URI_PREFIX + base64.b64encode(glb).decode()


def _binary_chunk(glb: bytes, at: int) -> bytes:
    """Return the BIN chunk's data (empty when the GLB has none)."""
    if at + 8 > len(glb):
        return b""
    length, kind = struct.unpack_from("<II", glb, at)
    return glb[at + 8 : at + 8 + length] if kind == _BIN else b""
