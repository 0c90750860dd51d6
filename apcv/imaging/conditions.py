"""Named camera conditions, after the categories of the public QR benchmarks, each mild and hard.

A condition is a :class:`CameraModel` of a 1280×720 camera looking at a phone screen that shows
the QR at :data:`SCREEN_MODULE_PX` screen pixels per module. Names are ``FAMILY-LEVEL``
(``moire-hard``, ``low-light-mild``) plus ``nominal``; a rig picks one with
``image:bench?condition=glare-mild`` and the decode-rate bench runs them all. Mild is a
desk on a good day: a decoder worth shipping reads it every time. Hard separates decoders
and scanners: some read it, some do not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from apcv.imaging.camera_model import CameraModel, CameraModelError

SCREEN_MODULE_PX = 8
"""Screen pixels per QR module on the phone (a 1080-pixel-wide screen showing the code)."""
FRAME = (1280, 720)
"""The camera's frame size: a 720p scanner or webcam."""
NOMINAL_MODULE_PX = 5.0
"""Camera pixels per module in every condition that does not change the distance."""
LEVELS = ("mild", "hard")


@dataclass(frozen=True)
class Condition:
    """One named capture condition: its family (what changes), level and camera parameters."""

    name: str
    family: str
    level: str
    description: str
    params: dict[str, Any]

    def camera(self, seed: int = 0) -> CameraModel:
        """The camera model of this condition (frames of :data:`FRAME`), seeded."""
        params = dict(self.params)
        module = params.pop("module", NOMINAL_MODULE_PX)
        return CameraModel(zoom=module / SCREEN_MODULE_PX, width=FRAME[0], height=FRAME[1], seed=seed,
                           **params)

    def picture_camera(self, seed: int = 0) -> CameraModel:
        """The condition as a picture shown on a display, for a scanner to film in turn: the same
        effects at the screen's own scale (the code as large as the phone shows it, smaller when
        the condition holds the phone farther, larger for moiré), framed by a border."""
        params = dict(self.params)
        module = params.pop("module", NOMINAL_MODULE_PX)
        return CameraModel(zoom=module / NOMINAL_MODULE_PX, seed=seed, **params)


# family: (what it is, mild parameters, hard parameters); "module" is camera pixels per module
_FAMILIES: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {
    "distance": ("phone held far: small modules", {"module": 3.0}, {"module": 1.7}),
    "perspective": ("phone tilted back and turned", {"tilt": 0.2, "yaw": 0.1},
                    {"tilt": 0.4, "yaw": 0.3}),
    "rotation": ("phone turned in the image plane", {"angle": 25.0}, {"angle": 45.0, "module": 2.2}),
    "defocus": ("phone too near the lens: out of focus", {"defocus": 1.5}, {"defocus": 3.5}),
    "motion": ("hand moving during the exposure", {"motion": 4.0}, {"motion": 10.0}),
    "glare": ("a lamp reflected on the screen", {"glare": 0.5}, {"glare": 1.0}),
    "low-light": ("dim room, short exposure: dark and noisy", {"light": 0.3, "noise": 4.0},
                  {"light": 0.08, "noise": 5.0}),
    "low-contrast": ("screen dimmed, washed out", {"contrast": 0.3, "noise": 2.0},
                     {"contrast": 0.1, "noise": 4.0}),
    "noise": ("sensor noise", {"noise": 15.0}, {"noise": 45.0}),
    "jpeg": ("the camera's JPEG compression", {"jpeg": 30}, {"jpeg": 5, "module": 3.0}),
    "moire": ("the screen's pixel grid aliased by the camera", {"moire": 0.5, "module": 7.6, "blur": 0.5},
              {"moire": 0.7, "module": 4.3, "blur": 0.5}),
    "curvature": ("screen bent (a curved-edge phone)", {"curve": 0.25}, {"curve": 0.5}),
    "occlusion": ("a thumb over the code", {"thumb": 0.12}, {"thumb": 0.4}),
}


def _build() -> dict[str, Condition]:
    nominal = Condition("nominal", "nominal", "mild", "clean frame, phone square to the camera", {})
    conditions = {"nominal": nominal}
    for family, (description, mild, hard) in _FAMILIES.items():
        for level, params in zip(LEVELS, (mild, hard), strict=True):
            name = f"{family}-{level}"
            conditions[name] = Condition(name, family, level, description, params)
    return conditions


CONDITIONS: dict[str, Condition] = _build()
"""Every named condition, nominal first, then each family's mild and hard."""
FAMILIES: tuple[str, ...] = ("nominal", *_FAMILIES)


def condition(name: str) -> Condition:
    """The condition called ``name``; :class:`CameraModelError` listing the names otherwise."""
    if name not in CONDITIONS:
        raise CameraModelError(f"unknown camera condition {name!r}; known: {', '.join(CONDITIONS)}")
    return CONDITIONS[name]

