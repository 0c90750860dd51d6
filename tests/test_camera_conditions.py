"""Named camera conditions: each family mild and hard, 1280×720 frames, reproducible, readable when mild."""

from __future__ import annotations

import uuid

import numpy as np
import pytest

from apcv.clock import FrozenClock
from apcv.imaging.camera_model import CameraModel, CameraModelError
from apcv.imaging.conditions import CONDITIONS, FAMILIES, FRAME, SCREEN_MODULE_PX, condition
from apcv.imaging.decoders import make_decoder
from apcv.imaging.qr_render import render_qr
from apcv.links.base import LinkError
from apcv.links.registry import open_scanner
from apcv.seeded_keys import synthetic_insurer
from simulators.factory import synthetic_phone

FAMILY_NAMES = {"distance", "perspective", "rotation", "defocus", "motion", "glare", "low-light",
                "low-contrast", "noise", "jpeg", "moire", "curvature", "occlusion"}


@pytest.fixture(scope="module")
def phone():
    return synthetic_phone(2, synthetic_insurer(0), FrozenClock())


@pytest.fixture(scope="module")
def token(phone) -> str:
    return phone.qr_payload()


@pytest.fixture(scope="module")
def screen(token) -> np.ndarray:
    return render_qr(token, scale=SCREEN_MODULE_PX)


def test_every_family_has_a_mild_and_a_hard_condition():
    assert set(FAMILIES) == {"nominal"} | FAMILY_NAMES
    for family in FAMILY_NAMES:
        mild, hard = condition(f"{family}-mild"), condition(f"{family}-hard")
        assert (mild.family, mild.level, hard.level) == (family, "mild", "hard")
        assert mild.params != hard.params
    assert len(CONDITIONS) == 1 + 2 * len(FAMILY_NAMES)


@pytest.mark.parametrize("name", list(CONDITIONS))
def test_frames_are_720p_reproducible_and_change_between_frames(name, screen):
    camera = condition(name).camera(seed=3)
    first = camera.capture(screen, 1)
    assert first.shape == (FRAME[1], FRAME[0]) and first.dtype == np.uint8
    assert np.array_equal(first, camera.capture(screen, 1))
    assert not np.array_equal(first, camera.capture(screen, 2))  # the code wanders, noise is fresh


@pytest.mark.parametrize("name", [n for n, c in CONDITIONS.items() if c.level == "mild"])
def test_the_ensemble_reads_mild_conditions(name, screen, token):
    camera, ensemble = condition(name).camera(seed=5), make_decoder("ensemble")
    assert all(ensemble.decode(camera.capture(screen, frame)) == [token] for frame in range(3))


@pytest.mark.parametrize("params", [{"zoom": 0.5}, {"yaw": 0.2}, {"curve": 0.4}, {"thumb": 0.3},
                                    {"moire": 0.6}, {"defocus": 2.0}, {"motion": 6.0}, {"contrast": 0.3}])
def test_new_parameters_change_the_frame(params, screen):
    base = CameraModel(width=640, height=640, zoom=0.9, seed=1)
    assert not np.array_equal(CameraModel(**{**base.__dict__, **params}).capture(screen, 0),
                              base.capture(screen, 0))


def test_hard_conditions_are_harder(screen, token):
    zbar = make_decoder("zbar")
    assert zbar.decode(condition("perspective-hard").camera().capture(screen, 0)) == []
    assert zbar.decode(condition("moire-hard").camera().capture(screen, 0)) == []
    assert zbar.decode(condition("nominal").camera().capture(screen, 0)) == [token]


@pytest.mark.parametrize(("params", "message"), [
    ({"zoom": 0}, "camera zoom=0 is out of range 0.05..8"),
    ({"curve": 1}, "camera curve=1 is out of range 0..0.9"),
    ({"thumb": 0.9}, "camera thumb=0.9 is out of range 0..0.6"),
    ({"moire": -0.1}, "camera moire=-0.1 is out of range 0..1"),
    ({"motion": 100}, "camera motion=100 is out of range 0..60"),
    ({"width": 640}, "width and height are given together"),
])
def test_bad_new_parameters(params, message):
    with pytest.raises(CameraModelError, match=message):
        CameraModel(**params)


def test_unknown_condition_lists_the_names():
    with pytest.raises(CameraModelError, match="unknown camera condition 'fog-mild'; known: nominal, dist"):
        condition("fog-mild")


def test_image_link_picks_a_named_condition(phone):
    scanner = open_scanner(f"image:c-{uuid.uuid4().hex}?condition=glare-mild&decoder=ensemble&timeout=5")
    assert scanner.camera == condition("glare-mild").camera()
    scanner.show(phone)
    assert scanner.read_payload() == phone.qr_payload()
    assert scanner.capture().shape == (FRAME[1], FRAME[0])
    seeded = open_scanner("image:x?condition=noise-mild&seed=9")
    assert seeded.camera == condition("noise-mild").camera(9)


@pytest.mark.parametrize(("url", "message"), [
    ("image:x?condition=fog", "unknown camera condition 'fog'"),
    ("image:x?condition=moire-hard&blur=2", "condition=moire-hard sets the camera; drop blur"),
    ("image:x?condition=nominal&seed=-4", "camera seed=-4 is out of range"),
])
def test_bad_condition_urls(url, message):
    with pytest.raises(LinkError, match=message):
        open_scanner(url)
