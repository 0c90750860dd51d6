"""What a scanner's camera makes of a phone screen: distance, pose, optics, light, sensor, JPEG.

A :class:`CameraModel` turns the screen's pixels (a grayscale frame) into the frame a 2D scanner
would decode. Each effect is a parameter, off by default, so a rig or a scenario names the
conditions as data (``image:bench?blur=1.5&glare=0.6``, or a named condition from
:mod:`apcv.imaging.conditions`). The pipeline follows the light: the screen's pixel grid
(moiré), a thumb over the screen, the screen's bend, its pose in front of the camera (distance,
rotation, perspective), the lens (defocus, motion and Gaussian blur), light (exposure, contrast,
glare), the sensor (noise) and the camera's JPEG. Random parts (framing, glare position, thumb,
motion direction, noise) come from ``seed`` and the frame number, so a frame is reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import cv2
import numpy as np

from apcv.errors import ApcvError
from apcv.imaging import optics

BACKGROUND = 96
"""Gray level around the phone (a dark desk seen by the camera)."""
MARGIN = 0.25
"""Border around the screen, as a fraction of its side, when the frame size follows the screen."""
JITTER = 0.04
"""How far (fraction of the frame) the code's centre wanders between frames of a fixed size."""


class CameraModelError(ApcvError):
    """A camera parameter is out of its range; the message names it."""


LIMITS: dict[str, tuple[float, float]] = {
    "zoom": (0.05, 8), "width": (0, 8192), "height": (0, 8192), "angle": (-180, 180),
    "tilt": (0, 0.45), "yaw": (0, 0.45), "curve": (0, 0.9), "thumb": (0, 0.6), "moire": (0, 1),
    "defocus": (0, 20), "motion": (0, 60), "blur": (0, 20), "light": (0.05, 1), "contrast": (0.05, 1),
    "glare": (0, 1), "noise": (0, 64), "jpeg": (0, 95), "seed": (0, 2**32 - 1),
}


@dataclass(frozen=True)
class CameraModel:
    """Capture conditions; the defaults give a clean, square, well-lit frame of the screen."""

    zoom: float = 1.0       # distance: camera pixels per screen pixel (0.5: twice as far), 0.05..8
    width: int = 0          # frame size in pixels; 0: the screen plus a 25 % border
    height: int = 0
    angle: float = 0.0      # rotation of the phone in the image plane, degrees, -180..180
    tilt: float = 0.0       # perspective: the far (top) edge shrinks by this fraction, 0..0.45
    yaw: float = 0.0        # perspective: the right edge shrinks by this fraction, 0..0.45
    curve: float = 0.0      # the screen bends round a vertical axis by this fraction of π, 0..0.9
    thumb: float = 0.0      # a thumb covers this fraction of the screen's height from below, 0..0.6
    moire: float = 0.0      # darkness of the gaps of the screen's pixel grid, 0..1 (aliases: moiré)
    defocus: float = 0.0    # out of focus: radius of the lens's blur disc in pixels, 0..20
    motion: float = 0.0     # hand shake: length of the motion streak in pixels, 0..60
    blur: float = 0.0       # Gaussian blur sigma in pixels, 0..20
    light: float = 1.0      # exposure: 1 is full, 0.1 is a dark room (everything darker), 0.05..1
    contrast: float = 1.0   # contrast of the screen against its own mid-gray, 0.05..1
    glare: float = 0.0      # strength of a bright reflection on the screen, 0..1
    noise: float = 0.0      # sensor noise, standard deviation in gray levels, 0..64
    jpeg: int = 0           # JPEG quality of the camera's compression (0: none), 0..95
    seed: int = 0

    def __post_init__(self) -> None:
        for name, (low, high) in LIMITS.items():
            value = getattr(self, name)
            if not low <= value <= high:
                raise CameraModelError(f"camera {name}={value} is out of range {low:g}..{high:g}")
        if (self.width == 0) != (self.height == 0):
            raise CameraModelError("camera width and height are given together (both 0: fit the screen)")

    @classmethod
    def from_params(cls, params: dict[str, str]) -> CameraModel:
        """A model from text parameters (a link URL's query); unknown names are ignored here."""
        values: dict[str, float | int] = {}
        for field in fields(cls):
            if field.name not in params:
                continue
            raw = params[field.name]
            try:
                values[field.name] = int(raw) if field.type == "int" else float(raw)
            except ValueError:
                kind = "a whole number" if field.type == "int" else "a number"
                raise CameraModelError(f"camera {field.name}={raw!r} is not {kind}") from None
        return cls(**values)

    @property
    def is_clean(self) -> bool:
        """True when the camera changes nothing (the frame is decoded as rendered)."""
        return self == CameraModel(seed=self.seed)

    def capture(self, screen: np.ndarray, frame: int = 0) -> np.ndarray:
        """Frame number ``frame`` the camera takes of ``screen`` (2-D uint8 arrays both).

        Framing, glare, thumb, motion direction and noise are drawn afresh for each frame number
        (the hand moves, the sensor is noisy), the same for the same ``seed`` and ``frame``.
        """
        if self.is_clean:
            return screen
        rng = np.random.default_rng([self.seed, frame])
        pixels = screen.astype(np.float32)
        if self.thumb:
            pixels = optics.thumb(pixels, self.thumb, rng)
        if self.curve:
            pixels = optics.bend(pixels, self.curve, BACKGROUND)
        grid = optics.SCREEN_GRID if self.moire else 1
        if self.moire:
            pixels = optics.pixel_grid(pixels, self.moire)
        pixels, centre, side = self._posed(pixels, self.zoom / grid, rng)
        if self.defocus:
            pixels = optics.defocus(pixels, self.defocus)
        if self.motion:
            pixels = optics.motion_blur(pixels, self.motion, rng)
        if self.blur:
            pixels = cv2.GaussianBlur(pixels, (0, 0), self.blur)
        if self.contrast < 1:
            pixels = 128 + (pixels - 128) * self.contrast
        if self.light < 1:
            pixels = pixels * self.light
        if self.glare:
            pixels = pixels + optics.glare(pixels.shape, centre, side, self.glare, rng)
        if self.noise:
            pixels = pixels + self.noise * rng.standard_normal(pixels.shape, dtype=np.float32)
        image = np.clip(pixels + 0.5, 0, 255).astype(np.uint8)
        return optics.jpeg(image, self.jpeg) if self.jpeg else image

    def _posed(self, screen: np.ndarray, zoom: float,
               rng: np.random.Generator) -> tuple[np.ndarray, tuple[float, float], float]:
        """The screen placed in the frame: scaled, tilted, rotated; with its centre and side there."""
        h, w = screen.shape
        if self.width:
            size = (self.width, self.height)
            jitter = rng.uniform(-JITTER, JITTER, 2) * np.array(size)
            centre = (size[0] / 2 + jitter[0], size[1] / 2 + jitter[1])
        else:
            side = max(h, w) * zoom * (1 + 2 * MARGIN)
            size = (round(side), round(side))
            centre = (side / 2, side / 2)
        corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
        seen = (corners - [w / 2, h / 2]) * zoom
        seen[:2, 0] *= 1 - self.tilt        # the far edge looks shorter
        seen[1:3, 1] *= 1 - self.yaw        # so does the right edge turned away
        turn = np.radians(-self.angle)      # counter-clockwise on screen, as the y axis points down
        rotation = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]])
        seen = seen @ rotation.T + centre
        transform = cv2.getPerspectiveTransform(corners, seen.astype(np.float32))
        posed = cv2.warpPerspective(screen, transform, size, flags=cv2.INTER_LINEAR,
                                    borderMode=cv2.BORDER_CONSTANT, borderValue=BACKGROUND)
        return posed, centre, max(h, w) * zoom
