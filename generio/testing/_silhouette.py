"""Image to 3D for a picture of a thing: its silhouette, cut out and made a rounded solid.

A picture of one thing on a plain background (a product shot, a drawing, a transparent
PNG) is what people give image-to-3D. The thing is told from the background by the alpha
channel when the picture has one, else by its colour against the border's (which must be
nearly one colour). The silhouette then becomes a closed solid: a front and a back surface
that meet at its outline, rounded towards the edges like a pillow, thick where the
silhouette is wide, so a chair's picture gives a chair one can turn around, legs and all.

A picture without a plain background (a photo of a scene, a pattern) is not a silhouette:
the caller falls back to a relief of its brightness.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from generio.testing._shapes import Mesh, _normals

__all__ = ["image_solid", "silhouette", "solid"]

BoolArray = np.ndarray[Any, np.dtype[np.bool_]]
FloatArray = np.ndarray[Any, np.dtype[np.float32]]

#: The border must be this share of one colour (within _NEAR) to count as a background.
_PLAIN_BORDER = 0.9
_NEAR = 24.0
#: A pixel this far from the background's colour belongs to the thing.
_FAR = 48.0
#: The thing must cover between these shares of the picture.
_COVER = (0.02, 0.9)
#: Half the solid's thickness, as a share of the picture's longer side.
_HALF_DEPTH = 0.16
#: How far in from the outline (in grid cells) the rounding reaches full thickness.
_ROUNDING_CELLS = 10


def silhouette(image: bytes, columns: int, rows: int) -> FloatArray | None:
    """Cut the thing out of a picture, sampled on a ``rows x columns`` grid (rows bottom up).

    Returns:
        How much of each grid point is the thing, 0 to 1 (0.5 on its outline, in between
        along anti-aliased edges); None when the picture is unreadable or not one thing on
        a plain background.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(image)) as opened:
            rgba = opened.convert("RGBA").resize((columns, rows), Image.Resampling.BILINEAR)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
    pixels = np.asarray(rgba, dtype=np.float32)[::-1]  # rows bottom to top
    alpha = pixels[..., 3]
    if alpha.min() < 128 <= alpha.max():
        cover: FloatArray = alpha / 255.0
    else:
        border = np.concatenate(
            [pixels[0, :, :3], pixels[-1, :, :3], pixels[:, 0, :3], pixels[:, -1, :3]]
        )
        background = np.median(border, axis=0)
        if (np.linalg.norm(border - background, axis=1) <= _NEAR).mean() < _PLAIN_BORDER:
            return None
        distance = np.linalg.norm(pixels[..., :3] - background, axis=2)
        thing = distance[distance > _FAR]
        if not thing.size:
            return None
        # An edge pixel half covered is about half as far from the background as the thing.
        cover = np.clip(distance / np.percentile(thing, 90), 0.0, 1.0)
    share = float((cover >= 0.5).mean())
    return cover if _COVER[0] <= share <= _COVER[1] else None


def _outline(mask: BoolArray) -> BoolArray:
    """Find the points of the thing with a neighbour (of eight) outside it, or at the edge."""
    padded = np.pad(mask, 1, constant_values=False)
    rows, columns = mask.shape
    every = padded.copy()
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            every[1:-1, 1:-1] &= padded[1 + dy : 1 + dy + rows, 1 + dx : 1 + dx + columns]
    found: BoolArray = mask & ~every[1:-1, 1:-1]
    return found


def _distance_to(points: FloatArray, targets: FloatArray, limit: float) -> FloatArray:
    """Each point's distance to the nearest target (at most ``limit``), in chunks."""
    nearest = np.full(len(points), limit, np.float32)
    if not len(targets):
        return nearest
    for start in range(0, len(points), 1024):
        chunk = points[start : start + 1024]
        squared = ((chunk[:, None, :] - targets[None, :, :]) ** 2).sum(axis=2)
        nearest[start : start + len(chunk)] = np.minimum(np.sqrt(squared.min(axis=1)), limit)
    return nearest


def _smoothed(heights: FloatArray, inner: BoolArray, rounds: int = 6) -> FloatArray:
    """Even out the heights of the inner points (the outline stays at 0).

    Where the grid crosses a sloping edge, the first row inside lies now nearer, now
    farther from it: averaging with the neighbours removes the ripples that would show.
    """
    current = np.where(inner, heights, 0.0)
    for _ in range(rounds):
        padded = np.pad(current, 1)
        around = padded[:-2, 1:-1] + padded[2:, 1:-1] + padded[1:-1, :-2] + padded[1:-1, 2:]
        current = np.where(inner, 0.5 * current + 0.125 * around, 0.0)
    smooth: FloatArray = current.astype(np.float32)
    return smooth


def _outline_offsets(cover: FloatArray, outline: BoolArray) -> tuple[FloatArray, FloatArray]:
    """How far (in cells, x and y) to move each outline point onto the half-covered line.

    The grid's outline is a staircase. Between an outline point and a neighbour outside
    the thing, the coverage falls through one half somewhere: moving the point there (the
    mean over its outside neighbours, the straight ones first) follows the thing's real,
    sloping edges instead.
    """
    rows, columns = cover.shape
    padded = np.pad(cover, 1)
    totals = {False: np.zeros((2, rows, columns)), True: np.zeros((2, rows, columns))}
    counts = {False: np.zeros((rows, columns)), True: np.zeros((rows, columns))}
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            if dx == dy == 0:
                continue
            other = padded[1 + dy : 1 + dy + rows, 1 + dx : 1 + dx + columns]
            out = outline & (other < 0.5)
            fall = np.maximum(cover - other, 1e-6)
            t = np.where(out, np.clip((cover - 0.5) / fall, 0.0, 0.95), 0.0)
            diagonal = dx != 0 and dy != 0
            totals[diagonal] += np.stack([t * dx, t * dy])
            counts[diagonal] += out
    straight = counts[False] > 0
    moved = np.where(
        straight,
        totals[False] / np.maximum(counts[False], 1),
        totals[True] / np.maximum(counts[True], 1),
    )
    return moved[0].astype(np.float32), moved[1].astype(np.float32)


def solid(cover: FloatArray, width: float, height: float) -> Mesh:
    """Build the closed, rounded solid of a silhouette sampled at grid points.

    Args:
        cover: how much of each grid point is the thing (:func:`silhouette`),
            ``(rows, columns)``, rows bottom up; one grid point per vertex.
        width: the picture's width in model units (its height is ``height``).
        height: the picture's height in model units.
    """
    mask: BoolArray = cover >= 0.5
    rows, columns = mask.shape
    outline = _outline(mask)
    y, x = np.mgrid[0:rows, 0:columns].astype(np.float32)
    dx, dy = _outline_offsets(cover, outline)
    x, y = x + dx, y + dy  # the outline follows the thing's edges, not the grid's stairs
    # How far in from the (smooth) outline each point is: the rounding follows it too.
    steps = np.zeros(mask.shape, np.float32)
    inner = mask & ~outline  # the outline's points are shared by front and back
    edge = np.stack([x[outline], y[outline]], axis=1)
    steps[inner] = _distance_to(np.stack([x[inner], y[inner]], axis=1), edge, _ROUNDING_CELLS)
    share = steps / _ROUNDING_CELLS
    half = _smoothed(np.sqrt(share * (2.0 - share)), inner) * _HALF_DEPTH * max(width, height)
    u = np.clip(x / max(columns - 1, 1), 0.0, 1.0)
    v = np.clip(y / max(rows - 1, 1), 0.0, 1.0)
    front = np.full(mask.shape, -1, np.int64)
    front[mask] = np.arange(int(mask.sum()))
    back = front.copy()
    back[inner] = front.max() + 1 + np.arange(int(inner.sum()))
    count = int(back.max()) + 1
    positions = np.zeros((count, 3), np.float32)
    uvs = np.zeros((count, 2), np.float32)
    for index, sign, where in ((front, 1.0, mask), (back, -1.0, inner)):
        at = index[where]
        positions[at, 0] = (u[where] - 0.5) * width
        positions[at, 1] = v[where] * height
        positions[at, 2] = sign * half[where]
        uvs[at, 0], uvs[at, 1] = u[where], 1.0 - v[where]
    triangles = []
    for index, flip in ((front, False), (back, True)):
        # Each cell's corners counter-clockwise seen from the front: a, b, c, d.
        a, b = index[:-1, :-1], index[:-1, 1:]
        c, d = index[1:, 1:], index[1:, :-1]
        corners = np.stack([a, b, c, d], axis=-1).reshape(-1, 4)
        inside = corners >= 0
        full = corners[inside.all(axis=1)]
        found = [full[:, [0, 1, 2]], full[:, [0, 2, 3]]]
        for missing in range(4):  # three corners in: the triangle they span
            keep = [k for k in range(4) if k != missing]
            three = (inside.sum(axis=1) == 3) & ~inside[:, missing]
            found.append(corners[three][:, keep])
        faces = np.concatenate(found)
        triangles.append(faces[:, ::-1] if flip else faces)
    faces_u32 = np.concatenate(triangles).astype(np.uint32)
    return Mesh(positions, _normals(positions, faces_u32), uvs, faces_u32)


def image_solid(image: bytes, width: int, height: int, quality: str) -> Mesh | None:
    """Build the solid of a picture of one thing, in the picture's aspect ratio.

    Returns:
        None when the picture is not one thing on a plain background (see :func:`silhouette`).
    """
    cells = 128 if quality == "high" else 48  # legs a few cells wide even at low quality
    scale = max(width, height, 1)
    w, h = max(width, 1) / scale, max(height, 1) / scale
    columns, rows = max(3, round(cells * w) + 1), max(3, round(cells * h) + 1)
    cover = silhouette(image, columns, rows)
    return None if cover is None else solid(cover, w, h)
