"""The ensemble decoder: fastest library first, then clean-ups; it reads whatever a library reads."""

from __future__ import annotations

import numpy as np
import pytest

from apcv.clock import FrozenClock
from apcv.imaging.conditions import SCREEN_MODULE_PX, condition
from apcv.imaging.decoders import LIBRARIES, make_decoder
from apcv.imaging.qr_render import render_qr
from apcv.seeded_keys import synthetic_insurer
from simulators.factory import synthetic_phone

FRAMES = 4


@pytest.fixture(scope="module")
def tokens() -> list[str]:
    clock = FrozenClock()
    phone = synthetic_phone(2, synthetic_insurer(0), clock)
    found = []
    for _ in range(FRAMES):
        clock.advance(30)
        found.append(phone.qr_payload())
    return found


@pytest.fixture(scope="module")
def decoders():
    return {name: make_decoder(name) for name in [*LIBRARIES, "ensemble"]}


def test_the_fastest_library_reads_a_clean_frame(tokens, decoders):
    ensemble = decoders["ensemble"]
    frame = condition("nominal").camera().capture(render_qr(tokens[0], scale=SCREEN_MODULE_PX))
    assert ensemble.decode(frame) == [tokens[0]] and ensemble.last_pass == "zxing"
    assert [p.name for p in ensemble.passes][:2] == ["zxing", "zbar"]


def test_a_clean_up_reads_screen_moire_no_library_reads(tokens, decoders):
    camera = condition("moire-hard").camera()
    rescued = []
    for index, token in enumerate(tokens):
        frame = camera.capture(render_qr(token, scale=SCREEN_MODULE_PX), index)
        if not any(decoders[name].decode(frame) == [token] for name in LIBRARIES):
            assert decoders["ensemble"].decode(frame) == [token]
            rescued.append(decoders["ensemble"].last_pass)
    assert rescued and all("+" in name for name in rescued), rescued


@pytest.mark.parametrize("name", ["perspective-hard", "rotation-hard", "occlusion-hard", "glare-hard",
                                  "low-light-hard"])
def test_the_ensemble_reads_every_frame_a_library_reads(name, tokens, decoders):
    camera = condition(name).camera(seed=2)
    for index, token in enumerate(tokens):
        frame = camera.capture(render_qr(token, scale=SCREEN_MODULE_PX), index)
        if any(decoders[lib].decode(frame) == [token] for lib in LIBRARIES):
            assert decoders["ensemble"].decode(frame) == [token], (name, index)


def test_a_frame_without_a_code_reads_nothing(decoders):
    ensemble = decoders["ensemble"]
    assert ensemble.decode(np.full((720, 1280), 200, dtype=np.uint8)) == []
    assert ensemble.last_pass is None
