"""APDU round trip through the harness's pcsc:+vpcd: path vs a bare pyscard loop, and the
full presentation time through each rig's links (sim, vpcd, nfc-udp).

The simulated phone runs in its own process (`apcv-hil simulate phone` on
`Virtual PCD 00 01`): both loops talk to the same card-side code, so the ratio measures
only the reader link's overhead. Single APDUs are timed in pairs, one through each loop
back to back (which goes first alternates), and each round compares the two medians, so
load from other processes hits both alike and bursts of it do not move the result; the
median ratio over the rounds and its spread are printed. Target: harness at most 1.10x
bare. Needs pcscd with the vpcd driver (started here when not running; run
as root).

    .venv/bin/python benchmarks/link_overhead.py [--apdus 500] [--rounds 10] [--reads 30]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from smartcard import scard

from apcv.links import open_reader
from harness.bench import Bench
from harness.pcsc import ensure_pcscd
from harness.rig import load_rig

READER = "Virtual PCD 00 01"
SELECT = bytes.fromhex("00A4040006F0415043560100")


def apdu_rounds(apdus: int, rounds: int) -> list[tuple[float, float]]:
    """(harness us, bare us) per round: the medians of single APDUs timed in pairs, one
    through each loop back to back (which goes first alternates)."""
    link = open_reader(f"pcsc://{READER}?timeout=10")
    link.connect()
    _, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    _, card, protocol = scard.SCardConnect(context, READER, scard.SCARD_SHARE_SHARED,
                                           scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
    apdu = list(SELECT)
    clock = time.perf_counter
    results = []
    for _ in range(rounds):
        ours, bare = [], []
        for n in range(apdus):
            if n % 2:
                start = clock()
                scard.SCardTransmit(card, protocol, apdu)
                middle = clock()
                link.transceive(SELECT)
                end = clock()
                bare.append(middle - start)
                ours.append(end - middle)
            else:
                start = clock()
                link.transceive(SELECT)
                middle = clock()
                scard.SCardTransmit(card, protocol, apdu)
                end = clock()
                ours.append(middle - start)
                bare.append(end - middle)
        results.append((statistics.median(ours) * 1e6, statistics.median(bare) * 1e6))
    scard.SCardDisconnect(card, scard.SCARD_LEAVE_CARD)
    scard.SCardReleaseContext(context)
    link.close()
    return results


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
    parser.add_argument("--apdus", type=int, default=500, help="APDU pairs per round")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--reads", type=int, default=30)
    args = parser.parse_args()
    with ensure_pcscd():
        phone = subprocess.Popen([str(Path(sys.executable).parent / "apcv-hil"), "simulate", "phone",
                                  "--link", "vpcd://127.0.0.1:35964"],
                                 stderr=subprocess.DEVNULL)
        try:
            rounds = apdu_rounds(args.apdus, args.rounds)
        finally:
            phone.terminate()
            phone.wait(10)
        ratios = sorted(ours / bare for ours, bare in rounds)
        quartiles = statistics.quantiles(ratios, n=4)
        print(f"APDU round trip, {args.apdus} APDU pairs x {args.rounds} rounds:")
        print(f"  harness pcsc:+vpcd:  {statistics.median(r[0] for r in rounds):8.1f} us (median)")
        print(f"  bare pyscard loop    {statistics.median(r[1] for r in rounds):8.1f} us (median)")
        print(f"  ratio                {statistics.median(ratios):8.3f}x median, quartiles "
              f"{quartiles[0]:.3f}-{quartiles[2]:.3f}, range {ratios[0]:.3f}-{ratios[-1]:.3f} "
              "(target <= 1.10x)")
        print(f"presentation through each link ({args.reads} reads):")
        for rig in ("software", "pcsc-vpcd", "nfc-udp"):
            print(f"  {rig:10s} {presentation_ms(rig, args.reads)}")


if __name__ == "__main__":
    main()
