"""Run the matrix: for each condition, N frames of real tokens, each decoded by every decoder.

A frame counts as read when the decoder returns exactly the token shown. Conditions are
spread over a pool of worker processes (one per core); each worker builds its decoders once
and runs one library at a time (OpenCV limited to one thread), so the times are those of
one core. The camera's random parts are seeded; the tokens are fresh R1 tokens each run (new
token ids, randomised ECDSA signatures), so hard conditions vary by a few frames between runs.
"""

from __future__ import annotations

import os
import statistics
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from multiprocessing import get_context

from apcv.errors import ApcvError
from apcv.imaging.conditions import CONDITIONS, FRAME, SCREEN_MODULE_PX, Condition
from apcv.imaging.decoders import DECODERS, QrDecoder, make_decoder
from apcv.imaging.qr_render import render_qr
from harness.qr_bench.tokens import bench_tokens

MAX_FRAMES = 10_000
MAX_JOBS = 64


@dataclass(frozen=True)
class Cell:
    """One decoder under one condition: how often it read the token and how fast."""

    condition: str
    decoder: str
    frames: int
    reads: int
    median_ms: float
    passes: dict[str, int] = field(default_factory=dict)  # ensemble: reads per pass

    @property
    def read_rate(self) -> float:
        """Share of frames read correctly, 0..1."""
        return self.reads / self.frames


@dataclass(frozen=True)
class Matrix:
    """The whole run: conditions (rows) × decoders (columns)."""

    frames: int
    seed: int
    conditions: tuple[Condition, ...]
    decoders: tuple[str, ...]
    cells: dict[tuple[str, str], Cell]
    wall_s: float

    def cell(self, condition: str, decoder: str) -> Cell:
        """The cell of ``condition`` and ``decoder``."""
        return self.cells[(condition, decoder)]

    def to_json(self) -> dict:
        """The matrix as plain data (``--json``)."""
        return {
            "frames": self.frames, "seed": self.seed, "frame_size": list(FRAME),
            "screen_module_px": SCREEN_MODULE_PX, "wall_s": round(self.wall_s, 2),
            "decoders": list(self.decoders),
            "conditions": [{"name": c.name, "family": c.family, "level": c.level,
                            "description": c.description, "params": c.params} for c in self.conditions],
            "cells": [{**asdict(cell), "read_rate": cell.read_rate} for cell in self.cells.values()],
        }


class BenchArgumentError(ApcvError):
    """An argument of the bench is out of range; the message names it."""


def check_arguments(frames: int, jobs: int, conditions: list[str], decoders: list[str]) -> None:
    """Refuse absurd arguments before any work: counts out of range, unknown names."""
    if not 1 <= frames <= MAX_FRAMES:
        raise BenchArgumentError(f"--frames {frames}: give 1 to {MAX_FRAMES} frames per condition")
    if not 1 <= jobs <= MAX_JOBS:
        raise BenchArgumentError(f"--jobs {jobs}: give 1 to {MAX_JOBS} worker processes")
    for name in conditions:
        if name not in CONDITIONS:
            raise BenchArgumentError(f"unknown condition {name!r}; known: {', '.join(CONDITIONS)}")
    for name in decoders:
        if name not in DECODERS:
            raise BenchArgumentError(f"unknown decoder {name!r}; known: {', '.join(DECODERS)}")


_DECODERS: dict[str, QrDecoder] = {}


def _decoder(name: str) -> QrDecoder:
    if name not in _DECODERS:
        _DECODERS[name] = make_decoder(name)
    return _DECODERS[name]


def _one_thread() -> None:
    import cv2

    cv2.setNumThreads(1)


def run_condition(name: str, tokens: list[str], decoders: tuple[str, ...], seed: int) -> list[Cell]:
    """Every decoder's cell under condition ``name``, over one frame per token."""
    camera = CONDITIONS[name].camera(seed)
    reads: Counter[str] = Counter()
    times: dict[str, list[float]] = {d: [] for d in decoders}
    passes: Counter[str] = Counter()
    for index, token in enumerate(tokens):
        frame = camera.capture(render_qr(token, scale=SCREEN_MODULE_PX), index)
        for decoder_name in decoders:
            decoder = _decoder(decoder_name)
            start = time.perf_counter()
            found = decoder.decode(frame)
            times[decoder_name].append((time.perf_counter() - start) * 1000)
            if found == [token]:
                reads[decoder_name] += 1
                if decoder_name == "ensemble":
                    passes[getattr(decoder, "last_pass", None) or "?"] += 1
    return [Cell(name, d, len(tokens), reads[d], round(statistics.median(times[d]), 2),
                 dict(passes) if d == "ensemble" else {}) for d in decoders]


def default_jobs() -> int:
    """One worker per core this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def run_matrix(frames: int, *, conditions: list[str] | None = None, decoders: list[str] | None = None,
               jobs: int | None = None, seed: int = 0,
               on_done: Callable[[str], None] | None = None) -> Matrix:
    """The decode-rate matrix over ``conditions`` (all) and ``decoders`` (all), ``frames`` each;
    ``on_done(condition)`` is called as each condition finishes."""
    chosen = list(conditions or CONDITIONS)
    names = tuple(decoders or DECODERS)
    jobs = jobs or default_jobs()
    check_arguments(frames, jobs, chosen, list(names))
    for name in names:
        make_decoder(name)  # a missing library is named here, not in a worker
    tokens = bench_tokens(frames)
    start = time.perf_counter()
    done = on_done or (lambda _name: None)
    results: dict[str, list[Cell]] = {}
    if jobs == 1:
        _one_thread()
        for name in chosen:
            results[name] = run_condition(name, tokens, names, seed)
            done(name)
    else:
        # spawn: workers start clean, whatever threads OpenCV or the caller already run
        with ProcessPoolExecutor(min(jobs, len(chosen)), mp_context=get_context("spawn"),
                                 initializer=_one_thread) as pool:
            futures = {pool.submit(run_condition, name, tokens, names, seed): name for name in chosen}
            for future in as_completed(futures):
                results[futures[future]] = future.result()
                done(futures[future])
    cells = {(cell.condition, cell.decoder): cell for name in chosen for cell in results[name]}
    return Matrix(frames, seed, tuple(CONDITIONS[n] for n in chosen), names, cells,
                  time.perf_counter() - start)
