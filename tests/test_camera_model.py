"""The camera model: each condition changes the frame, reproducibly; bad values are named."""

from __future__ import annotations

import numpy as np
import pytest

from apcv.imaging.camera_model import CameraModel, CameraModelError
from apcv.imaging.decoders import make_decoder
from apcv.imaging.qr_render import render_qr

TEXT = "APCV1:6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3/XIV0W23NTDE$VK G2EC-.%"


@pytest.fixture(scope="module")
def screen() -> np.ndarray:
    return render_qr(TEXT, scale=6)


def test_clean_camera_passes_the_screen_through(screen):
    assert CameraModel().is_clean and CameraModel().capture(screen) is screen


@pytest.mark.parametrize("condition", [{"blur": 1.0}, {"angle": 25}, {"tilt": 0.2}, {"light": 0.4},
                                       {"glare": 0.5}, {"noise": 10}, {"jpeg": 30}])
def test_moderate_conditions_change_the_frame_and_still_decode(screen, condition):
    model = CameraModel(**condition)
    frame = model.capture(screen)
    assert frame.dtype == np.uint8 and frame.ndim == 2
    assert frame.shape != screen.shape or not np.array_equal(frame, screen)
    assert make_decoder("zxing").decode(frame) == [TEXT]


def test_frames_are_reproducible_and_differ_between_frame_numbers(screen):
    model = CameraModel(noise=12, glare=0.4, seed=7)
    assert np.array_equal(model.capture(screen, 3), model.capture(screen, 3))
    assert not np.array_equal(model.capture(screen, 3), model.capture(screen, 4))


def test_dark_room_lowers_contrast(screen):
    frame = CameraModel(light=0.2).capture(screen)
    assert int(frame.max()) <= 51


def test_heavy_blur_defeats_the_decoders(screen):
    frame = CameraModel(blur=6).capture(screen)
    assert make_decoder("zbar").decode(frame) == [] and make_decoder("zxing").decode(frame) == []


@pytest.mark.parametrize(("params", "message"), [
    ({"tilt": "0.9"}, "camera tilt=0.9 is out of range 0..0.45"),
    ({"light": "0"}, "camera light=0.0 is out of range 0.05..1"),
    ({"noise": "lots"}, "camera noise='lots' is not a number"),
    ({"seed": "-1"}, "camera seed=-1 is out of range"),
])
def test_bad_parameters(params, message):
    with pytest.raises(CameraModelError, match=message):
        CameraModel.from_params(params)
