"""Turning one input into its output GLB, as a data URI.

Runs when a client first asks for an output's data, never in the background. For
``model_optimize`` the input's binary chunk is reused as it is (base64 and all), so a
200 MB model costs one string copy, not a decode and an encode.
"""

from __future__ import annotations

import base64
import copy
from typing import Any

from generio.testing._glb import GLB_URI_PREFIX, splice_glb_uri
from generio.testing._images import ImageInfo
from generio.testing._inputs import ParsedInput, decode_payload
from generio.testing._meshes import image_model, prompt_model
from generio.testing._templates import TemplateSpec

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
    document = _optimized_document(source.glb.document, parameters)
    return splice_glb_uri(source.data, source.glb, document)
