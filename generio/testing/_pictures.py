"""Pictures of things, drawn from scratch: inputs that image-to-3D turns into recognisable solids.

``sample_png`` is a checkerboard, good for checking types and sizes but a picture of
nothing. :func:`chair_png` draws a chair seen from the side, wooden brown on a white
background, the kind of picture a person uploads; the emulator's image-to-3D cuts such a
silhouette out of its plain background and makes a solid of it (see ``_silhouette``).
Drawn with numpy (the ``emulator`` extra), smoothed by supersampling.
"""

from __future__ import annotations

from typing import Any

from generio.testing._images import encode_png

__all__ = ["chair_png"]

#: The chair's parts as convex quadrilaterals, (x, y) from the bottom left, in [0, 1].
_CHAIR: tuple[tuple[tuple[float, float], ...], ...] = (
    ((0.27, 0.04), (0.335, 0.04), (0.335, 0.5), (0.27, 0.5)),  # back leg
    ((0.27, 0.48), (0.335, 0.48), (0.275, 0.95), (0.205, 0.95)),  # back, leaning back
    ((0.19, 0.88), (0.30, 0.88), (0.295, 0.96), (0.185, 0.96)),  # top rail
    ((0.27, 0.45), (0.77, 0.45), (0.78, 0.52), (0.27, 0.53)),  # seat
    ((0.685, 0.04), (0.75, 0.04), (0.75, 0.47), (0.685, 0.47)),  # front leg
    ((0.30, 0.20), (0.72, 0.20), (0.72, 0.245), (0.30, 0.245)),  # stretcher
)
_WOOD = (150, 96, 48)
_BACKGROUND = (255, 255, 255)


def _inside(points: Any, x: Any, y: Any) -> Any:
    """Whether each (x, y) lies in the convex polygon ``points`` (counter-clockwise)."""
    import numpy as np

    found = np.ones(x.shape, bool)
    for (x0, y0), (x1, y1) in zip(points, (*points[1:], points[0]), strict=True):
        found &= (x1 - x0) * (y - y0) - (y1 - y0) * (x - x0) >= 0
    return found


def chair_png(size: int = 256) -> bytes:
    """Draw a chair seen from the side, brown on white, as a ``size`` x ``size`` RGBA PNG.

    Raises:
        ValueError: ``size`` is below 16 pixels.
        ImportError: numpy (the ``emulator`` extra) is missing.
    """
    import numpy as np

    if size < 16:
        raise ValueError("a chair needs at least 16 x 16 pixels")
    samples = 4  # per pixel and axis: smooth edges
    steps = (np.arange(size * samples) + 0.5) / (size * samples)
    x, y = np.meshgrid(steps, 1.0 - steps)  # rows from the top, y up
    cover = np.zeros(x.shape, bool)
    for part in _CHAIR:
        cover |= _inside(part, x, y)
    share = cover.reshape(size, samples, size, samples).mean(axis=(1, 3))
    # The wood is a little lighter towards the top, as if lit from above.
    light = 0.85 + 0.25 * np.linspace(1.0, 0.0, size)[:, None]
    wood = np.clip(np.array(_WOOD)[None, None, :] * light[..., None], 0, 255)
    rgb = share[..., None] * wood + (1 - share[..., None]) * np.array(_BACKGROUND)
    rgba = np.dstack([rgb, np.full((size, size), 255.0)]).round().astype(np.uint8)
    return encode_png(size, size, rgba.tobytes())
