"""The effects of :class:`apcv.imaging.camera_model.CameraModel`, one function each.

All work on float32 gray images (0 dark .. 255 light) except :func:`jpeg`, on the final uint8 frame.
"""

from __future__ import annotations

import cv2
import numpy as np

SCREEN_GRID = 4
"""Sub-pixels per screen pixel side when the screen's pixel grid is drawn (moiré)."""
SKIN = 150.0
"""Gray level of a thumb in front of the screen."""
VIEW_DISTANCE = 3.0
"""Camera distance from a bent screen, in screen widths (how much nearer its middle looks)."""


def pixel_grid(screen: np.ndarray, strength: float) -> np.ndarray:
    """The screen as the camera sees its pixels: each one a lit cell with a dark gap on two sides.

    The result has :data:`SCREEN_GRID` samples per screen pixel; a camera sampling it at a
    non-integer pitch aliases the gaps into moiré fringes.
    """
    cell = np.ones((SCREEN_GRID, SCREEN_GRID), dtype=np.float32)
    cell[-1, :] = cell[:, -1] = 1 - strength
    h, w = screen.shape
    sub = cv2.resize(screen, (w * SCREEN_GRID, h * SCREEN_GRID), interpolation=cv2.INTER_NEAREST)
    return sub * np.tile(cell, (h, w))


def thumb(screen: np.ndarray, reach: float, rng: np.random.Generator) -> np.ndarray:
    """A thumb from the bottom edge, its tip ``reach`` of the screen's height up, at a random place."""
    h, w = screen.shape
    half_width = 0.2 * w
    centre_x = rng.uniform(0.3, 0.7) * w
    tip = h * (1 - reach)
    half_length = 0.35 * h
    y, x = np.ogrid[:h, :w]
    inside = ((x - centre_x) / half_width) ** 2 + ((y - tip - half_length) / half_length) ** 2 <= 1
    covered = screen.copy()
    covered[inside] = SKIN
    return covered


def bend(screen: np.ndarray, curve: float, background: float) -> np.ndarray:
    """The screen bent round a vertical axis through ``curve``·π, its middle toward the camera.

    Seen from the front, columns crowd toward the edges and the middle looks taller, as the
    camera is nearer to it (:data:`VIEW_DISTANCE` screen widths away from the edges).
    """
    h, w = screen.shape
    radius = w / (curve * np.pi)
    arc = np.linspace(-w / 2, w / 2, 4 * w)                   # position along the flat screen
    depth = radius * (np.cos(arc / radius) - np.cos(w / (2 * radius)))
    magnify = VIEW_DISTANCE * w / (VIEW_DISTANCE * w - depth)
    seen_x = radius * np.sin(arc / radius) * magnify          # where that column appears
    out_x = np.arange(w) - w / 2 + 0.5
    source_x = np.interp(out_x, seen_x, arc, left=np.nan, right=np.nan)
    scale = np.interp(out_x, seen_x, magnify, left=1.0, right=1.0)
    out_y = np.arange(h)[:, None] - h / 2 + 0.5
    map_x = np.broadcast_to(source_x + w / 2 - 0.5, (h, w)).astype(np.float32)
    map_y = (out_y / scale + h / 2 - 0.5).astype(np.float32)
    map_x = np.where(np.isnan(map_x), -1, map_x).astype(np.float32)
    return cv2.remap(screen, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                     borderValue=float(background))


def defocus(image: np.ndarray, radius: float) -> np.ndarray:
    """Out of focus: each point spreads over a disc of ``radius`` pixels (a lens's circle of confusion)."""
    size = 2 * int(np.ceil(radius)) + 1
    y, x = np.mgrid[:size, :size] - size // 2
    disc = np.clip(radius + 0.5 - np.hypot(x, y), 0, 1).astype(np.float32)
    return cv2.filter2D(image, -1, disc / disc.sum(), borderType=cv2.BORDER_REPLICATE)


def motion_blur(image: np.ndarray, length: float, rng: np.random.Generator) -> np.ndarray:
    """The hand moves during the exposure: a streak of ``length`` pixels in a random direction."""
    size = 2 * int(np.ceil(length / 2)) + 1
    kernel = np.zeros((size, size), dtype=np.float32)
    direction = rng.uniform(0, np.pi)
    half = length / 2
    middle = size // 2
    start = (middle - half * np.cos(direction), middle - half * np.sin(direction))
    end = (middle + half * np.cos(direction), middle + half * np.sin(direction))
    for t in np.linspace(0, 1, 4 * size):
        x = start[0] + t * (end[0] - start[0])
        y = start[1] + t * (end[1] - start[1])
        kernel[round(y), round(x)] += 1
    return cv2.filter2D(image, -1, kernel / kernel.sum(), borderType=cv2.BORDER_REPLICATE)


def glare(shape: tuple[int, ...], centre: tuple[float, float], side: float, strength: float,
          rng: np.random.Generator) -> np.ndarray:
    """A bright reflection on the screen (centre ``side`` wide), near its middle; add it to the frame."""
    h, w = shape
    cx = centre[0] + rng.uniform(-0.2, 0.2) * side
    cy = centre[1] + rng.uniform(-0.2, 0.2) * side
    sigma = side / 4
    y, x = np.ogrid[:h, :w]
    spot = np.exp(-((y - cy) ** 2 + (x - cx) ** 2) / (2 * sigma**2))
    return (255.0 * strength * spot).astype(np.float32)


def jpeg(frame: np.ndarray, quality: int) -> np.ndarray:
    """``frame`` after the camera's JPEG compression at ``quality``."""
    ok, encoded = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError(f"OpenCV could not JPEG-encode a {frame.shape} frame")
    return cv2.imdecode(encoded, cv2.IMREAD_GRAYSCALE)
