"""Handing outputs to trimesh-based pipelines (extra ``mesh``)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from generio._errors import InputError, MissingExtraError

if TYPE_CHECKING:
    from generio._models import Asset

__all__ = ["to_trimesh"]

_GLB_MIME = "model/gltf-binary"


def to_trimesh(asset: Asset) -> Any:
    """Load an asset's GLB as a ``trimesh.Scene`` (nodes, meshes, materials and textures).

    A scene, not one mesh, because a GLB may hold several meshes with transforms; call
    ``.to_geometry()`` for a single mesh with the transforms applied.

    Raises:
        MissingExtraError: trimesh is not installed (an ``ImportError``); says how to
            install the ``mesh`` extra.
        InputError: the asset carries no data, or its data is not a GLB.
    """
    try:
        import trimesh
    except ImportError as exc:
        raise MissingExtraError("Asset.to_trimesh()", "mesh", exc.name or "trimesh") from None
    data = asset.data
    if data is None:
        raise InputError(
            f"asset {asset.id} carries no data; fetch it with flows.output(flow_id, asset_id) "
            "or run() without out_dir"
        )
    if asset.mime_type not in (None, _GLB_MIME) or not data.startswith(b"glTF"):
        raise InputError(
            f"asset {asset.id} is not a glTF binary ({asset.mime_type}); "
            "only GLB models load into trimesh"
        )
    return trimesh.load(io.BytesIO(data), file_type="glb", force="scene")
