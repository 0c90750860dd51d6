"""APDU round trip to a phone on a labgrid place's reader vs on a local one, on loopback.

On a place, the run reaches the bench's pcscd through two socat halves (docs/rigs.md): the
bench's ``socat TCP-LISTEN:PORT,fork,nodelay UNIX-CONNECT:/run/pcscd/pcscd.comm`` and the
harness's own (:func:`harness.remote.pcsc_bridge.pcscd_bridge`), so an APDU crosses two more
processes and a TCP connection each way. The place itself (labgrid's coordinator) is asked once,
before the run, and is on no APDU's path. Here both halves run on this machine: the figure is the
bridge's own cost, without a network's.

Our phone simulator runs on ``Virtual PCD 00 01`` in its own process; each round, a fresh process
sends SELECT through pyscard ``--apdus`` times straight to pcscd (local), then another through the
bridge (pcsc-lite reads ``$PCSCLITE_CSOCK_NAME`` once per process), and, with ``--nagle``, through
a bench half without ``nodelay``. Printed: the median over rounds of each path's median and p95
per APDU, and the difference. Wall time: on a busy machine the figures are noisy; the rounds
alternate the paths so load hits them alike. Needs pcscd with vpcd and socat; run as root in a
namespace of its own (``scripts/isolated.sh``).

    scripts/isolated.sh .venv/bin/python benchmarks/place_latency.py [--apdus 300] [--rounds 7]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness.pcsc import ensure_pcscd
from harness.remote.pcsc_bridge import pcscd_bridge

READER = "Virtual PCD 00 01"
BENCH_PORT = 35970
NAGLE_PORT = 35971
TARGET_ADDED_MS = 1.0
"""What the bridge may add per APDU on loopback: well under the reader budget's slack (docs/rigs.md)."""

LOOP = """
import json, statistics, sys, time
from smartcard import scard
reader, count = sys.argv[1], int(sys.argv[2])
_, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
_, card, protocol = scard.SCardConnect(context, reader, scard.SCARD_SHARE_SHARED,
                                       scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
apdu = list(bytes.fromhex("00A4040006F0415043560100"))
times = []
for _ in range(count + 20):
    start = time.perf_counter()
    result, answer = scard.SCardTransmit(card, protocol, apdu)
    times.append(time.perf_counter() - start)
    assert result == 0 and answer[-2:] == [0x90, 0x00], (result, answer)
times = sorted(times[20:])
print(json.dumps({"median": statistics.median(times), "p95": times[int(len(times) * 0.95)]}))
"""


def one_round(socket_path: Path | None, apdus: int) -> dict[str, float]:
    env = dict(os.environ)
    env.pop("PCSCLITE_CSOCK_NAME", None)
    if socket_path is not None:
        env["PCSCLITE_CSOCK_NAME"] = str(socket_path)
    done = subprocess.run([sys.executable, "-c", LOOP, READER, str(apdus)], capture_output=True, text=True,
                          env=env, timeout=300, check=True)
    return json.loads(done.stdout)


def bench_half(port: int, nodelay: bool) -> subprocess.Popen:
    """The bench's socat: TCP ``port`` on loopback to this machine's pcscd socket."""
    listen = f"TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork" + (",nodelay" if nodelay else "")
    return subprocess.Popen(["socat", listen, "UNIX-CONNECT:/run/pcscd/pcscd.comm"], start_new_session=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apdus", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--nagle", action="store_true", help="also a bench half without nodelay")
    args = parser.parse_args()
    if shutil.which("socat") is None:
        raise SystemExit("socat is not installed (make setup)")
    processes: list[subprocess.Popen] = []
    with ensure_pcscd(), tempfile.TemporaryDirectory(prefix="apcv-place-bench-") as folder:
        try:
            log = Path(folder) / "phone.log"
            with log.open("wb") as sink:  # it logs every exchange: a file, not a pipe it could fill
                phone = subprocess.Popen([str(Path(sys.executable).parent / "apcv-hil"), "simulate", "phone",
                                          "--link", "vpcd://127.0.0.1:35964", "--seed", "2"],
                                         stdout=sink, stderr=subprocess.STDOUT)
            processes.append(phone)
            while "ready:" not in log.read_text(errors="replace"):
                if phone.poll() is not None:
                    raise SystemExit(f"the phone simulator exited: {log.read_text(errors='replace')[-500:]}")
                time.sleep(0.1)
            processes.append(bench_half(BENCH_PORT, nodelay=True))
            if args.nagle:
                processes.append(bench_half(NAGLE_PORT, nodelay=False))
            time.sleep(0.5)
            wanted = {"place": BENCH_PORT, **({"place, bench w/o nodelay": NAGLE_PORT} if args.nagle else {})}
            with contextlib.ExitStack() as bridges:
                paths: dict[str, Path | None] = {"local": None}
                for index, (name, port) in enumerate(wanted.items()):
                    here = Path(folder) / str(index)
                    here.mkdir()
                    paths[name] = bridges.enter_context(pcscd_bridge("127.0.0.1", port, here))
                figures: dict[str, list[dict[str, float]]] = {name: [] for name in paths}
                for _ in range(args.rounds):
                    for name, socket_path in paths.items():
                        figures[name].append(one_round(socket_path, args.apdus))
        finally:
            for process in processes:  # the phone stops on Ctrl-C, socat on SIGTERM
                process.send_signal(signal.SIGINT if process is processes[0] else signal.SIGTERM)
            for process in processes:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
    print(f"APDU round trip (SELECT, {args.apdus} APDUs x {args.rounds} rounds, wall time, median of rounds; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    local = {key: statistics.median(r[key] for r in figures["local"]) * 1000 for key in ("median", "p95")}
    for name, rounds in figures.items():
        median = statistics.median(r["median"] for r in rounds) * 1000
        p95 = statistics.median(r["p95"] for r in rounds) * 1000
        added = "" if name == "local" else (f"  added {median - local['median']:+.3f} ms median, "
                                            f"{p95 - local['p95']:+.3f} ms p95")
        print(f"  {name:<22} median {median:7.3f} ms  p95 {p95:7.3f} ms{added}")
    added = statistics.median(r["median"] for r in figures["place"]) * 1000 - local["median"]
    print(f"added per APDU through the place: {added:.3f} ms (target: at most {TARGET_ADDED_MS:g} ms)")


if __name__ == "__main__":
    main()
