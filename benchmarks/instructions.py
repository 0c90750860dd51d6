"""Instructions one operation of a benchmark costs, counted by valgrind's callgrind.

On a busy machine CPU time is not steady (other processes share the caches and cores), an
instruction count is. This runs ``python SCRIPT --count 0 ARGS`` and ``python SCRIPT --count N
ARGS`` under callgrind and prints (Ir(N) - Ir(0)) / N: the instructions of one operation, with
start-up and warm-up left out. A script that takes ``--count`` does its warm-up and then exactly
that many operations, untimed. Needs valgrind (``apt-get install valgrind``).

    .venv/bin/python benchmarks/instructions.py benchmarks/nfc_presentation.py [--count 200] [-- ARGS]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

_TOTAL = re.compile(r"^summary:\s+(\d+)", re.MULTILINE)


def instructions(script: str, count: int, args: list[str]) -> int:
    """Instructions (Ir) of ``python script --count count args`` from start to exit."""
    with tempfile.TemporaryDirectory(prefix="apcv-callgrind-") as folder:
        out = Path(folder) / "callgrind.out"
        subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                        sys.executable, script, "--count", str(count), *args],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        found = _TOTAL.search(out.read_text(errors="replace"))
    if found is None:
        raise SystemExit(f"callgrind wrote no summary for {script}")
    return int(found.group(1))


def per_operation(script: str, count: int, args: list[str]) -> float:
    """Instructions of one operation: the difference of a run of ``count`` and a run of none."""
    return (instructions(script, count, args) - instructions(script, 0, args)) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("script", help="a benchmark script that takes --count N")
    parser.add_argument("--count", type=int, default=200, help="operations in the measured run")
    options, rest = parser.parse_known_args()  # the rest, after --, goes to the script
    options.args = rest[1:] if rest[:1] == ["--"] else rest
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed: apt-get install valgrind")
    print(f"{per_operation(options.script, options.count, options.args) / 1e6:.3f} million instructions "
          f"per operation ({options.script} {' '.join(options.args)})")


if __name__ == "__main__":
    main()
