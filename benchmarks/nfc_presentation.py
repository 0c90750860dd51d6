"""Full in-process NFC presentations per second on one core.

Each presentation is the whole R1 exchange through the ``sim:`` link: field on, SELECT,
ESTABLISH SESSION (two ephemeral keys, ECDH, HKDF), GET PRESENTATION with 61XX chaining
(the phone signs a COSE_Sign1), then the reader's verification (certificate chain,
signature, session binding). Targets: 2,500/s or more (0.4 ms each), 2,000/s or more with
tracing. On a busy machine, count instructions instead of timing (steady under load):
``benchmarks/instructions.py benchmarks/nfc_presentation.py -- --mode traced``.

    .venv/bin/python benchmarks/nfc_presentation.py [--seconds 5]
    .venv/bin/python benchmarks/nfc_presentation.py --count N [--mode bare|traced|extended]
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

TARGET_PER_S = 2500.0
TARGET_TRACED_PER_S = 2000.0
WARMUP = 50


def measure(kernel: ReaderKernel, seconds: float, after_each=None) -> tuple[int, float]:
    """Presentations done in about ``seconds``; returns (count, elapsed)."""
    for _ in range(WARMUP):
        kernel.read()
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        kernel.read()
        if after_each:
            after_each()
        count += 1
    return count, elapsed


def _verdict(rate: float, target: float) -> str:
    return f"target >= {target:,.0f}: {'met' if rate >= target else 'NOT met'}"


def kernels(trust, recorder: TraceRecorder) -> dict[str, ReaderKernel]:
    """The three readers measured: bare ``sim:``, traced, extended length."""
    return {"bare": ReaderKernel(open_reader("sim:bench-nfc"), trust),
            "traced": ReaderKernel(TracingReaderLink(open_reader("sim:bench-nfc"), recorder), trust),
            "extended": ReaderKernel(open_reader("sim:bench-nfc"), trust, extended_length=True)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="time per measurement")
    parser.add_argument("--count", type=int, default=None,
                        help="untimed: warm up, then exactly N presentations (for instruction counts)")
    parser.add_argument("--mode", choices=("bare", "traced", "extended"), default="bare",
                        help="the reader --count drives")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    insurer = synthetic_insurer(0)
    phone = synthetic_phone(2, insurer)
    open_card_slot("sim:bench-nfc").attach(phone)
    recorder = TraceRecorder()
    readers = kernels(insurer.trust_anchor, recorder)
    if args.count is not None:
        for _ in range(WARMUP):
            readers[args.mode].read()
            recorder.events.clear()
        for _ in range(args.count):
            readers[args.mode].read()
            recorder.events.clear()
        return
    print(f"machine load average {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores)")
    count, elapsed = measure(readers["bare"], args.seconds)
    rate = count / elapsed
    print(f"presentations/s, one core, sim: link:           {rate:8.0f}  "
          f"({count} in {elapsed:.2f} s, {1e3 / rate:.3f} ms each)  {_verdict(rate, TARGET_PER_S)}")
    count, elapsed = measure(readers["traced"], args.seconds, after_each=recorder.events.clear)
    rate = count / elapsed
    print(f"presentations/s, one core, sim: link + tracing: {rate:8.0f}  "
          f"({count} in {elapsed:.2f} s, {1e3 / rate:.3f} ms each)  {_verdict(rate, TARGET_TRACED_PER_S)}")
    count, elapsed = measure(readers["extended"], args.seconds)
    print(f"presentations/s, one core, extended length:     {count / elapsed:8.0f}  "
          f"({count} in {elapsed:.2f} s)")


if __name__ == "__main__":
    main()
