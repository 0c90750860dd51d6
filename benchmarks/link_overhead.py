"""APDU round trip through the harness's pcsc:+vpcd: path vs a bare pyscard loop, and the
full presentation time through each rig's links (sim, vpcd, nfc-udp).

The simulated phone runs in its own process (`apcv-hil simulate phone` on
`Virtual PCD 00 01`), so both loops measure only the reader side. Target: harness at most
1.10x bare. Needs pcscd with the vpcd driver (started here when not running; run as root).

    .venv/bin/python benchmarks/link_overhead.py [--apdus 3000] [--reads 30]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from smartcard import scard

from harness.bench import Bench
from harness.links import open_reader
from harness.pcsc import ensure_pcscd
from harness.rig import load_rig

READER = "Virtual PCD 00 01"
SELECT = bytes.fromhex("00A4040006F0415043560100")


def harness_loop(count: int) -> float:
    link = open_reader(f"pcsc://{READER}")
    link.connect()
    start = time.perf_counter()
    for _ in range(count):
        link.transceive(SELECT)
    elapsed = time.perf_counter() - start
    link.close()
    return elapsed / count * 1e6


def bare_loop(count: int) -> float:
    _, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    _, card, protocol = scard.SCardConnect(context, READER, scard.SCARD_SHARE_SHARED,
                                           scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
    apdu = list(SELECT)
    start = time.perf_counter()
    for _ in range(count):
        scard.SCardTransmit(card, protocol, apdu)
    elapsed = time.perf_counter() - start
    scard.SCardDisconnect(card, scard.SCARD_UNPOWER_CARD)
    scard.SCardReleaseContext(context)
    return elapsed / count * 1e6


def presentation_ms(rig: str, reads: int) -> str:
    try:
        with Bench(load_rig(rig)) as bench:
            bench.present("phone")
            bench.reader.read()
            totals = [bench.reader.read().timings_ms["total"] for _ in range(reads)]
    except Exception as exc:  # a rig whose stack is absent here: say so, measure the others
        return f"not available ({exc})"
    return f"median {statistics.median(totals):.2f} ms, p95 {sorted(totals)[int(reads * 0.95) - 1]:.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apdus", type=int, default=3000)
    parser.add_argument("--reads", type=int, default=30)
    args = parser.parse_args()
    with ensure_pcscd():
        phone = subprocess.Popen([str(Path(sys.executable).parent / "apcv-hil"), "simulate", "phone",
                                  "--link", "vpcd://127.0.0.1:35964"],
                                 stderr=subprocess.DEVNULL)
        try:
            open_reader(f"pcsc://{READER}?timeout=10").connect()
            rounds = [(harness_loop(args.apdus), bare_loop(args.apdus)) for _ in range(5)]
        finally:
            phone.terminate()
            phone.wait(10)
        ours = statistics.median(r[0] for r in rounds)
        bare = statistics.median(r[1] for r in rounds)
        print(f"APDU round trip, {args.apdus} x 5 rounds (median of rounds):")
        print(f"  harness pcsc:+vpcd:  {ours:8.1f} us")
        print(f"  bare pyscard loop    {bare:8.1f} us")
        print(f"  ratio                {ours / bare:8.3f}x (target <= 1.10x)")
        print(f"presentation through each link ({args.reads} reads):")
        for rig in ("software", "pcsc-vpcd", "nfc-udp"):
            print(f"  {rig:10s} {presentation_ms(rig, args.reads)}")


if __name__ == "__main__":
    main()
