"""Hardware in the loop: identifications that really happen over a rig's links, in real time.

The model runs on SimPy's ``RealtimeEnvironment`` (``factor`` sim seconds per wall second);
when a patient's card or phone is read, the rig's reader really reads it (a simulated
device is presented on its link first, a real one is expected on the reader), and the
measured read time replaces the modelled one. Both are recorded side by side, and every
exchange on the reader's link goes to the bench's trace recorder (NIRs masked), with a note
naming each identification.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass

import numpy as np

from apcv.errors import ApcvError
from apcv.trace import TraceRecorder
from harness.bench import Bench
from harness.rig import load_rig
from scenarios.models.distributions import Sampler
from scenarios.models.errors import ModelError
from scenarios.models.identification import Identifier, Mix
from scenarios.models.params import GpScenario, Identification, WalkInScenario
from scenarios.models.waiting_room import DayResult, simulate_day

ROLES = {"nfc": "phone", "card": "card"}


@dataclass(frozen=True)
class ReadRecord:
    """One read: the model's time beside the rig's (None when the read failed; see error)."""

    method: str
    modelled_s: float
    measured_s: float | None
    error: str = ""

    def to_json(self) -> dict:
        """Plain data."""
        return asdict(self)


class RigIdentifier(Identifier):
    """An :class:`Identifier` whose NFC and card reads happen on a rig (measured by wall clock)."""

    def __init__(self, params: Identification, bench: Bench, reads: Mapping[str, Sampler] | None = None
                 ) -> None:
        super().__init__(params, reads)
        self.bench = bench
        self.records: list[ReadRecord] = []

    def step_time(self, method: str, rng: np.random.Generator) -> float:
        handling = float(self.handling[method].sample(rng, 1)[0])
        modelled = float(self.read[method].sample(rng, 1)[0])
        if method not in ROLES:
            return handling + modelled
        self.bench.recorder.note(f"identification {len(self.records) + 1}: {method}, "
                                 f"modelled read {modelled:.4f} s")
        try:
            measured = self.measure(ROLES[method])
        except ApcvError as exc:
            self.records.append(ReadRecord(method, modelled, None, str(exc)))
            return handling + modelled
        self.records.append(ReadRecord(method, modelled, measured))
        return handling + measured

    def measure(self, role: str) -> float:
        """Seconds the rig's reader takes to read ``role`` (presenting a simulated device first)."""
        simulated = getattr(self.bench, role) is not None
        if simulated:
            self.bench.present(role)
        try:
            start = time.perf_counter()
            self.bench.reader.read()
            return time.perf_counter() - start
        finally:
            if simulated:
                self.bench.withdraw(role)


def run_on_rig(scenario: GpScenario | WalkInScenario, mix: Mix, rig: str, realtime: float,
               days: int = 1, seed: int = 0, reads: Mapping[str, Sampler] | None = None,
               recorder: TraceRecorder | None = None) -> tuple[list[DayResult], list[ReadRecord]]:
    """``days`` real-time days of ``scenario`` whose reads happen on the rig file ``rig``.

    ``recorder`` receives the trace of every read (a new one is used when not given).
    """
    if not realtime > 0:
        raise ModelError(f"--realtime must be a positive speed-up factor (got {realtime})")
    rng = np.random.default_rng([seed, 0])
    with Bench(load_rig(rig), recorder=recorder) as bench:
        identifier = RigIdentifier(scenario.identification, bench, reads)
        results = [simulate_day(scenario, mix, identifier, rng, realtime=realtime) for _ in range(days)]
    return results, identifier.records


def compare_reads(records: list[ReadRecord]) -> list[dict]:
    """Per method: reads, modelled and measured mean (s), measured p95 (s), failed reads."""
    rows = []
    for method in sorted({r.method for r in records}):
        mine = [r for r in records if r.method == method]
        measured = [r.measured_s for r in mine if r.measured_s is not None]
        rows.append({"method": method, "reads": len(mine),
                     "modelled_mean_s": float(np.mean([r.modelled_s for r in mine])),
                     "measured_mean_s": float(np.mean(measured)) if measured else None,
                     "measured_p95_s": float(np.percentile(measured, 95)) if measured else None,
                     "failed": len(mine) - len(measured)})
    return rows
