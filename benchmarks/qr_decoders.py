"""QR read rate and decode time per decoder under every named camera condition (1280×720).

The figures and their targets come from ``apcv-hil qr-bench`` (``harness/qr_bench``); this
script runs it with the same arguments, so ``make bench`` prints the decode-rate matrix too:

    .venv/bin/python benchmarks/qr_decoders.py [--frames 40] [--report reports/qr-bench]
"""

from __future__ import annotations

import sys

from harness.cli import cli

if __name__ == "__main__":
    cli(["qr-bench", *sys.argv[1:]], prog_name="apcv-hil")
