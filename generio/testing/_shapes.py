"""The shapes behind the emulator's generated models, built with numpy.

A prompt picks a *family* of shape by its words (``chair`` gives a chair, ``vase`` a vase,
``ring`` a torus, ...; a prompt with none of the words gets one by its hash), and the
prompt's hash with the seed set the family's proportions and surface detail, so the same
prompt and seed always give the same mesh and different prompts look different. Every part
is a ``(nu + 1) x (nv + 1)`` grid of vertices over a parametric surface, so the triangle
count is ``2 * nu * nv`` per part and the grid's (u, v) are the texture coordinates.
``quality="low"`` uses a coarse grid (hundreds of triangles), ``"high"`` a fine one
(thousands), which is what makes ``model_optimize`` visibly simplify a high model.

An image becomes a relief: a grid in the image's aspect ratio whose height follows the
image's brightness (Pillow reads PNG, JPEG, TIFF and WEBP).
"""

from __future__ import annotations

import functools
import hashlib
import io
import re
from typing import Any

import numpy as np
from attrs import frozen

__all__ = ["FAMILIES", "Mesh", "family_of", "relief", "shape"]

FloatArray = np.ndarray[Any, np.dtype[np.float32]]
IndexArray = np.ndarray[Any, np.dtype[np.uint32]]

#: Words that pick a family; the first matching word of the prompt wins.
_WORDS: dict[str, tuple[str, ...]] = {
    "chair": ("chair", "stool", "seat", "bench", "table", "desk", "sofa", "throne"),
    "vase": ("vase", "bottle", "cup", "mug", "lamp", "pot", "vessel", "glass", "jar", "bowl"),
    "torus": ("ring", "donut", "doughnut", "torus", "tyre", "tire", "wheel", "bagel"),
    "box": ("box", "crate", "cube", "block", "brick", "house", "cabinet", "chest", "safe"),
    "star": ("star", "tower", "column", "pillar", "crystal", "spire", "gear"),
    "blob": ("ball", "sphere", "planet", "orb", "rock", "stone", "apple", "egg", "head"),
}
FAMILIES = tuple(_WORDS)
_BY_WORD = {word: family for family, words in _WORDS.items() for word in words}


@frozen
class Mesh:
    """Triangles with per-vertex normals and texture coordinates.

    Attributes:
        positions: ``(n, 3)`` float32.
        normals: ``(n, 3)`` float32, unit length.
        uvs: ``(n, 2)`` float32 in [0, 1].
        triangles: ``(m, 3)`` uint32 vertex indices, counter-clockwise seen from outside.
    """

    positions: FloatArray
    normals: FloatArray
    uvs: FloatArray
    triangles: IndexArray


def family_of(prompt: str) -> str:
    """Return the family a prompt asks for: by its first known word, else by its hash."""
    for word in re.findall(r"[a-z]+", prompt.lower()):
        family = _BY_WORD.get(word) or _BY_WORD.get(word.removesuffix("s"))
        if family:
            return family
    return FAMILIES[hashlib.sha256(prompt.encode()).digest()[0] % len(FAMILIES)]


def _rng(prompt: str, seed: int) -> np.random.Generator:
    digest = hashlib.sha256(f"{seed}\x00{prompt}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


@functools.lru_cache(maxsize=32)
def _grid(nu: int, nv: int) -> tuple[FloatArray, FloatArray, IndexArray]:
    """Return the (u, v) of a grid's vertices and its triangles, wound counter-clockwise."""
    u, v = np.meshgrid(np.linspace(0, 1, nu + 1), np.linspace(0, 1, nv + 1), indexing="xy")
    row = nu + 1
    i = (np.arange(nv)[:, None] * row + np.arange(nu)[None, :]).ravel()
    quads = np.stack([i, i + 1, i + row + 1, i, i + row + 1, i + row], axis=1)
    triangles = quads.reshape(-1, 3).astype(np.uint32)
    for array in (u, v, triangles):
        array.flags.writeable = False  # cached: shared by every mesh of this size
    return u.ravel().astype(np.float32), v.ravel().astype(np.float32), triangles


def _normals(positions: FloatArray, triangles: IndexArray) -> FloatArray:
    """Area-weighted vertex normals; (0, 1, 0) where the faces around a vertex cancel out."""
    a, b, c = (positions[triangles[:, k]].astype(np.float64) for k in range(3))
    face = np.cross(b - a, c - a)
    corners = triangles.ravel()
    normals = np.stack(
        [np.bincount(corners, np.repeat(face[:, i], 3), len(positions)) for i in range(3)], axis=1
    )
    length = np.linalg.norm(normals, axis=1)
    flat = length < 1e-12
    normals[flat] = (0.0, 1.0, 0.0)
    length[flat] = 1.0
    unit: FloatArray = (normals / length[:, None]).astype(np.float32)
    return unit


def _surface(nu: int, nv: int, points: Any, *, normals: bool = True) -> Mesh:
    """Build a grid part whose vertex positions ``points(u, v)`` gives as ``(x, y, z)``."""
    u, v, triangles = _grid(nu, nv)
    x, y, z = points(u.astype(np.float64), v.astype(np.float64))
    positions = np.stack([x, y, z], axis=1).astype(np.float32)
    uvs = np.stack([u, 1 - v], axis=1).astype(np.float32)
    shading = _normals(positions, triangles) if normals else np.zeros_like(positions)
    return Mesh(positions, shading, uvs, triangles)


def _merge(parts: list[Mesh]) -> Mesh:
    offsets = np.cumsum([0] + [len(p.positions) for p in parts[:-1]])
    return Mesh(
        np.concatenate([p.positions for p in parts]),
        np.concatenate([p.normals for p in parts]),
        np.concatenate([p.uvs for p in parts]),
        np.concatenate([p.triangles + np.uint32(o) for p, o in zip(parts, offsets, strict=True)]),
    )


def _signed_power(x: Any, e: float) -> Any:
    return np.sign(x) * np.abs(x) ** e


def _rounded_box(
    nu: int,
    nv: int,
    size: tuple[float, float, float],
    at: tuple[float, float, float],
    e: float,
    *,
    normals: bool = True,
) -> Mesh:
    """Build a superellipsoid: ``e`` near 0.2 is a box with rounded edges, 1.0 an ellipsoid."""

    def points(u: Any, v: Any) -> tuple[Any, Any, Any]:
        theta, phi = 2 * np.pi * u, np.pi * (v - 0.5)
        ring = _signed_power(np.cos(phi), e)
        return (
            at[0] + size[0] / 2 * ring * _signed_power(np.cos(theta), e),
            at[1] + size[1] / 2 * _signed_power(np.sin(phi), e),
            at[2] - size[2] / 2 * ring * _signed_power(np.sin(theta), e),
        )

    return _surface(nu, nv, points, normals=normals)


def _chair(rng: np.random.Generator, n: int) -> Mesh:
    """Build a seat on four legs with a back that curves, as furniture prompts ask for."""
    width, depth = rng.uniform(0.8, 1.1), rng.uniform(0.8, 1.0)
    seat_y, leg = rng.uniform(0.45, 0.6), rng.uniform(0.06, 0.1)
    curve = rng.uniform(0.05, 0.25)
    parts = [_rounded_box(n, n // 2, (width, 0.08, depth), (0, seat_y, 0), 0.3, normals=False)]
    for sx in (-1, 1):
        for sz in (-1, 1):
            corner = (sx * (width / 2 - leg), seat_y / 2, sz * (depth / 2 - leg))
            leg_part = _rounded_box(n // 2, n // 2, (leg, seat_y, leg), corner, 0.4, normals=False)
            parts.append(leg_part)
    back_at = (0, seat_y + 0.38, -depth / 2 + 0.04)
    back = _rounded_box(n, n, (width, 0.7, 0.07), back_at, 0.3, normals=False)
    back.positions[:, 2] -= curve * (back.positions[:, 0] / (width / 2)) ** 2  # curved
    parts.append(back)
    # The parts share no vertex: normals of the whole are each part's normals, in one pass.
    chair = _merge(parts)
    return Mesh(
        chair.positions, _normals(chair.positions, chair.triangles), chair.uvs, chair.triangles
    )


def _detail(rng: np.random.Generator, terms: int = 3) -> Any:
    """Draw a smooth random bump field over (theta, phi)."""
    amplitude = rng.uniform(0.03, 0.12, terms)
    m, k = rng.integers(1, 7, terms), rng.integers(1, 5, terms)
    phase = rng.uniform(0, 2 * np.pi, terms)

    def bumps(theta: Any, phi: Any) -> Any:
        return sum(
            a * np.sin(mm * theta + p) * np.sin(kk * phi)
            for a, mm, kk, p in zip(amplitude, m, k, phase, strict=True)
        )

    return bumps


def _single(family: str, rng: np.random.Generator, nu: int, nv: int) -> Mesh:
    bumps = _detail(rng)
    if family == "box":
        size = tuple(rng.uniform(0.7, 1.3, 3))
        return _rounded_box(nu, nv, size, (0, size[1] / 2, 0), rng.uniform(0.15, 0.35))
    if family == "torus":
        big, small = rng.uniform(0.55, 0.75), rng.uniform(0.18, 0.3)

        def torus(u: Any, v: Any) -> tuple[Any, Any, Any]:
            theta, phi = 2 * np.pi * u, 2 * np.pi * v
            r = small * (1 + 0.6 * bumps(theta, phi / 2))
            ring = big + r * np.cos(phi)
            return ring * np.cos(theta), small + 0.3 + r * np.sin(phi), -ring * np.sin(theta)

        return _surface(nu, nv, torus)
    # Surfaces of revolution, closed at both ends: radius(theta, height) times sin(pi v)^k.
    height = rng.uniform(1.0, 1.8) if family in ("vase", "star") else 1.0
    points = int(rng.integers(5, 9))
    twist = rng.uniform(0.5, 2.0)
    waist = rng.uniform(0.15, 0.35)

    def revolve(u: Any, v: Any) -> tuple[Any, Any, Any]:
        theta = 2 * np.pi * u
        if family == "vase":
            radius = 0.45 * (1 + waist * np.sin(2 * np.pi * v * 1.5) + 0.3 * bumps(theta, v))
            closing = np.sin(np.pi * v) ** 0.15
        elif family == "star":
            radius = 0.5 * (1 + 0.35 * np.cos(points * (theta + twist * v)))
            closing = np.sin(np.pi * v) ** 0.1
        else:  # blob
            radius = 0.6 * (1 + bumps(theta, np.pi * v))
            closing = np.sin(np.pi * v)
        y = height * v if family != "blob" else 0.6 - 0.6 * np.cos(np.pi * v)
        r = radius * closing
        return r * np.cos(theta), y, -r * np.sin(theta)

    return _surface(nu, nv, revolve)


def shape(prompt: str, seed: int, quality: str) -> Mesh:
    """Build the mesh for a prompt: its family's shape, proportions drawn from prompt and seed."""
    family = family_of(prompt)
    rng = _rng(prompt, seed)
    if family == "chair":
        return _chair(rng, 24 if quality == "high" else 8)
    nu, nv = (64, 40) if quality == "high" else (24, 12)
    return _single(family, rng, nu, nv)


def _heights(image: bytes, columns: int, rows: int) -> FloatArray | None:
    """Brightness in [0, 1] sampled on a ``rows x columns`` grid, or None if unreadable."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(image)) as opened:
            grey = opened.convert("L").resize((columns, rows), Image.Resampling.BILINEAR)
            return (np.asarray(grey, dtype=np.float32) / 255.0)[::-1]  # rows bottom to top
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None


def relief(image: bytes, width: int, height: int, quality: str) -> tuple[Mesh, bool]:
    """Build a relief of the image: a grid in its aspect ratio, raised where the image is bright.

    Returns the mesh and whether the image could be read (a flat grid when not).
    """
    cells = 96 if quality == "high" else 24
    scale = max(width, height, 1)
    w, h = max(width, 1) / scale, max(height, 1) / scale
    nu, nv = max(2, round(cells * w)), max(2, round(cells * h))
    heights = _heights(image, nu + 1, nv + 1)
    depth = 0.0 if heights is None else 0.15
    z = np.zeros((nv + 1, nu + 1), np.float32) if heights is None else heights

    def points(u: Any, v: Any) -> tuple[Any, Any, Any]:
        return (u - 0.5) * w, (v - 0.5) * h, depth * z.ravel()

    return _surface(nu, nv, points), heights is not None
