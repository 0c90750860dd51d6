"""Full R1 presentation time through the ``nfc:`` link over nfcpy's UDP driver.

The phone is in ISO-DEP card emulation (a thread) and the reference reader kernel reads it
through nfcpy reader mode, both on 127.0.0.1: poll, RATS/ATS, SELECT, ESTABLISH SESSION,
GET PRESENTATION (chained I-blocks), verification, DESELECT and field off. Prints the
median and 95th percentile of the whole read, and the same through the ``sim:`` link.

    .venv/bin/python benchmarks/nfc_udp_presentation.py [--reads 200] [--port 54330]
"""

from __future__ import annotations

import argparse
import statistics
import time

from apcv.links import open_card_slot, open_reader
from apcv.seeded_keys import synthetic_insurer
from simulators.factory import synthetic_phone
from simulators.reader.kernel import ReaderKernel


def timings_ms(kernel: ReaderKernel, reads: int) -> list[float]:
    """Wall time of each of ``reads`` full presentations, after a short warm-up."""
    for _ in range(5):
        kernel.read()
    spans = []
    for _ in range(reads):
        start = time.perf_counter()
        kernel.read()
        spans.append((time.perf_counter() - start) * 1e3)
    return spans


def show(name: str, spans: list[float]) -> None:
    """Print median and p95 of ``spans``."""
    p95 = statistics.quantiles(spans, n=20)[-1]
    print(f"full presentation, {name:<22} median {statistics.median(spans):7.3f} ms   "
          f"p95 {p95:7.3f} ms   ({len(spans)} reads)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=200, help="presentations per link")
    parser.add_argument("--port", type=int, default=54330, help="loopback UDP port of the nfc link")
    args = parser.parse_args()
    insurer = synthetic_insurer(0)
    for name, url in (("sim:", "sim:bench-nfc-udp"), ("nfc://udp (nfcpy)", f"nfc://udp:127.0.0.1:{args.port}")):
        phone = synthetic_phone(2, insurer)
        slot = open_card_slot(url)
        slot.attach(phone)
        link = open_reader(url)
        try:
            show(name, timings_ms(ReaderKernel(link, insurer.trust_anchor), args.reads))
        finally:
            link.close()
            slot.close()


if __name__ == "__main__":
    main()
