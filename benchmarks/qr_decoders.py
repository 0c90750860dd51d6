"""QR read rate and decode time per decoder under camera conditions.

Renders real R1 tokens of the simulated phone (a new token each frame, 4 px per module as
the software rig does), passes each through the camera model of one condition, and decodes
the frame with every decoder. Prints, per condition and decoder, the share of frames read
correctly and the median decode time. No target: the figures compare decoders (as BoofCV's
study does) and show which conditions a scenario can expect to read.

    .venv/bin/python benchmarks/qr_decoders.py [--frames 40] [--scale 4]
"""

from __future__ import annotations

import argparse
import statistics
import time

from apcv.clock import FrozenClock
from apcv.imaging.camera_model import CameraModel
from apcv.imaging.decoders import DECODERS, make_decoder
from apcv.seeded_keys import synthetic_insurer
from simulators.factory import synthetic_phone
from simulators.phone.qr_render import render_qr

CONDITIONS = {
    "nominal": {},
    "rotated 30°": {"angle": 30},
    "tilted 0.25": {"tilt": 0.25},
    "blur 1.5 px": {"blur": 1.5},
    "dark room": {"light": 0.25, "noise": 6},
    "glare": {"glare": 0.8},
    "jpeg q=15": {"jpeg": 15},
    "noisy": {"noise": 30},
    "desk (all mild)": {"angle": 10, "tilt": 0.1, "blur": 0.8, "light": 0.6, "glare": 0.3,
                        "noise": 5, "jpeg": 50},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=40, help="frames per condition (default 40)")
    parser.add_argument("--scale", type=int, default=4, help="pixels per QR module (default 4)")
    args = parser.parse_args()
    clock = FrozenClock()
    phone = synthetic_phone(2, synthetic_insurer(0), clock)
    decoders = [make_decoder(name) for name in DECODERS]
    print(f"{args.frames} frames per condition, {args.scale} px per module")
    print(f"{'condition':<18}" + "".join(f"{d.name + ' read':>12}{d.name + ' ms':>11}" for d in decoders))
    for label, condition in CONDITIONS.items():
        reads = {d.name: 0 for d in decoders}
        times: dict[str, list[float]] = {d.name: [] for d in decoders}
        for index in range(args.frames):
            clock.advance(30)
            phone.unlock()  # a fresh unlock each frame: never past the 15-minute session
            text = phone.qr_payload()
            frame = CameraModel(seed=index, **condition).capture(render_qr(text, scale=args.scale), index)
            for decoder in decoders:
                start = time.perf_counter()
                found = decoder.decode(frame)
                times[decoder.name].append((time.perf_counter() - start) * 1000)
                reads[decoder.name] += found == [text]
        cells = [f"{reads[d.name] / args.frames:>12.0%}{statistics.median(times[d.name]):>11.2f}"
                 for d in decoders]
        print(f"{label:<18}" + "".join(cells))


if __name__ == "__main__":
    main()
