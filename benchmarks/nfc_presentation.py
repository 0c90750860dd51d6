"""Full in-process NFC presentations per second on one core.

Each presentation is the whole R1 exchange through the ``sim:`` link: field on, SELECT,
ESTABLISH SESSION (two ephemeral keys, ECDH, HKDF), GET PRESENTATION with 61XX chaining
(the phone signs a COSE_Sign1), then the reader's verification (certificate chain,
signature, session binding). Target: 1,000/s or more.

    .venv/bin/python benchmarks/nfc_presentation.py [--seconds 5]
"""

from __future__ import annotations

import argparse
import os
import time

from apcv.links import open_card_slot, open_reader
from apcv.links.tracing import TracingReaderLink
from apcv.seeded_keys import synthetic_insurer
from apcv.trace import TraceRecorder
from simulators.factory import synthetic_phone
from simulators.reader.kernel import ReaderKernel

TARGET_PER_S = 1000.0


def measure(kernel: ReaderKernel, seconds: float, after_each=None) -> tuple[int, float]:
    """Presentations done in about ``seconds``; returns (count, elapsed)."""
    for _ in range(50):  # warm up
        kernel.read()
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        kernel.read()
        if after_each:
            after_each()
        count += 1
    return count, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="time per measurement")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    insurer = synthetic_insurer(0)
    phone = synthetic_phone(2, insurer)
    open_card_slot("sim:bench-nfc").attach(phone)
    trust = insurer.trust_anchor

    bare = ReaderKernel(open_reader("sim:bench-nfc"), trust)
    count, elapsed = measure(bare, args.seconds)
    rate = count / elapsed
    print(f"presentations/s, one core, sim: link:           {rate:8.0f}  "
          f"({count} in {elapsed:.2f} s, {1e3 / rate:.3f} ms each)  target >= {TARGET_PER_S:.0f}: "
          f"{'met' if rate >= TARGET_PER_S else 'NOT met'}")

    recorder = TraceRecorder()
    traced = ReaderKernel(TracingReaderLink(open_reader("sim:bench-nfc"), recorder), trust)
    count, elapsed = measure(traced, args.seconds, after_each=recorder.events.clear)
    print(f"presentations/s, one core, sim: link + tracing: {count / elapsed:8.0f}  "
          f"({count} in {elapsed:.2f} s)")

    extended = ReaderKernel(open_reader("sim:bench-nfc"), trust, extended_length=True)
    count, elapsed = measure(extended, args.seconds)
    print(f"presentations/s, one core, extended length:     {count / elapsed:8.0f}  "
          f"({count} in {elapsed:.2f} s)")


if __name__ == "__main__":
    main()
