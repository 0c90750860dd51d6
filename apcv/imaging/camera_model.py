"""What a scanner's camera makes of a phone screen: tilt, rotation, blur, light, glare, noise, JPEG.

A :class:`CameraModel` turns the screen's pixels (a grayscale frame) into the frame a 2D scanner
would decode. Each effect is a parameter, off by default, so a rig or a scenario names the
conditions as data (``image:bench?blur=1.5&glare=0.6``). Random parts (glare position, sensor
noise) come from ``seed``, so a frame is reproducible.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, fields

import numpy as np
from PIL import Image, ImageFilter

from apcv.errors import ApcvError

BACKGROUND = 96
"""Gray level around the phone (a dark desk seen by the camera)."""
MARGIN = 0.25
"""Border around the screen, as a fraction of its side, so rotation and tilt stay in view."""


class CameraModelError(ApcvError):
    """A camera parameter is out of its range; the message names it."""


@dataclass(frozen=True)
class CameraModel:
    """Capture conditions; the defaults give a clean, square, well-lit frame."""

    blur: float = 0.0       # Gaussian blur radius in pixels (out of focus, motion), 0..20
    angle: float = 0.0      # rotation of the phone in the image plane, degrees, -180..180
    tilt: float = 0.0       # perspective: the far edge shrinks by this fraction, 0..0.45
    light: float = 1.0      # exposure: 1 is full, 0.1 is a dark room (contrast shrinks), 0.05..1
    glare: float = 0.0      # strength of a bright reflection on the screen, 0..1
    noise: float = 0.0      # sensor noise, standard deviation in gray levels, 0..64
    jpeg: int = 0           # JPEG quality of the camera's compression (0: none), 0..95
    seed: int = 0

    def __post_init__(self) -> None:
        limits = {"blur": (0, 20), "angle": (-180, 180), "tilt": (0, 0.45), "light": (0.05, 1),
                  "glare": (0, 1), "noise": (0, 64), "jpeg": (0, 95), "seed": (0, 2**32 - 1)}
        for name, (low, high) in limits.items():
            value = getattr(self, name)
            if not low <= value <= high:
                raise CameraModelError(f"camera {name}={value} is out of range {low}..{high}")

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

        Noise and glare are drawn afresh for each frame number (the hand moves, the sensor
        is noisy), the same for the same ``seed`` and ``frame``.
        """
        if self.is_clean:
            return screen
        rng = np.random.default_rng([self.seed, frame])
        image = _in_scene(Image.fromarray(screen, mode="L"))
        if self.angle:
            image = image.rotate(self.angle, resample=Image.Resampling.BILINEAR, fillcolor=BACKGROUND)
        if self.tilt:
            image = _tilted(image, self.tilt)
        if self.blur:
            image = image.filter(ImageFilter.GaussianBlur(self.blur))
        pixels = np.asarray(image, dtype=np.float64) * self.light
        if self.glare:
            pixels += _glare(pixels.shape, self.glare, rng)
        if self.noise:
            pixels += rng.normal(0.0, self.noise, pixels.shape)
        frame = np.clip(pixels, 0, 255).astype(np.uint8)
        return _jpeg(frame, self.jpeg) if self.jpeg else frame


def _in_scene(screen: Image.Image) -> Image.Image:
    border = int(max(screen.size) * MARGIN)
    scene = Image.new("L", (screen.width + 2 * border, screen.height + 2 * border), BACKGROUND)
    scene.paste(screen, (border, border))
    return scene


def _tilted(image: Image.Image, tilt: float) -> Image.Image:
    """The far (top) edge of the image shrinks by ``tilt``: the phone leans back."""
    w, h = image.size
    inset = w * tilt / 2
    seen = [(inset, 0), (w - inset, 0), (w, h), (0, h)]  # where the image corners land
    corners = [(0, 0), (w, 0), (w, h), (0, h)]
    rows, rhs = [], []
    for (x, y), (u, v) in zip(seen, corners, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs += [u, v]
    coefficients = np.linalg.solve(np.array(rows, dtype=np.float64), np.array(rhs, dtype=np.float64))
    return image.transform(image.size, Image.Transform.PERSPECTIVE, tuple(coefficients),
                           resample=Image.Resampling.BILINEAR, fillcolor=BACKGROUND)


def _glare(shape: tuple[int, ...], strength: float, rng: np.random.Generator) -> np.ndarray:
    h, w = shape
    cy, cx = rng.uniform(0.3, 0.7) * h, rng.uniform(0.3, 0.7) * w
    sigma = min(h, w) / 6
    y, x = np.ogrid[:h, :w]
    return 255.0 * strength * np.exp(-((y - cy) ** 2 + (x - cx) ** 2) / (2 * sigma**2))


def _jpeg(frame: np.ndarray, quality: int) -> np.ndarray:
    buffer = io.BytesIO()
    Image.fromarray(frame, mode="L").save(buffer, format="JPEG", quality=quality)
    return np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("L"))
