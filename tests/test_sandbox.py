"""A program under test writes in a sandbox: its own HOME, TMPDIR and /tmp, and every file it wrote
there is read for NIRs in every spelling."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from apcv.nir import format_nir
from harness.dut import sandbox as sandbox_module
from harness.dut.sandbox import Sandbox, mount_namespace_problem

NIR = "184127511203416"
OTHER = "288041306443131"


def _run(box: Sandbox, code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(box.wrap([sys.executable, "-c", code]), env=box.wrap_env(box.env()),
                          cwd=box.workdir, capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.skipif(mount_namespace_problem() is not None,
                    reason=f"no mount namespace: {mount_namespace_problem()}")
def test_a_program_writes_only_in_its_sandbox_and_every_file_is_read(tmp_path: Path) -> None:
    world = tmp_path / "world"
    world.mkdir()
    (world / "key.pem").write_text("the bench's key")
    box = Sandbox(world / "dut", keep_visible=world)
    marker = f"/tmp/apcv-sandbox-test-{tmp_path.name}.log"
    code = "\n".join([
        "import os",
        f"print(open({str(world / 'key.pem')!r}).read())",
        f"open({marker!r}, 'w').write('GET /v1/rights/' + {quote(format_nir(NIR))!r})",
        f"open(os.environ['TMPDIR'] + '/t', 'w').write({'.'.join(format_nir(OTHER).split())!r})",
        "open(os.environ['HOME'] + '/.config', 'w').write('nothing here')",
        "open('cache.json', 'w').write('{\"nir\": \"' + " + repr(NIR[:13]) + " + '\"}')",
        "try:",
        f"    open({str(world / 'evil')!r}, 'w')",
        "except OSError as exc:",
        "    print('read-only', exc.errno)",
    ])
    done = _run(box, code)
    assert done.returncode == 0, done.stderr
    assert "the bench's key" in done.stdout and "read-only 30" in done.stdout
    assert not Path(marker).exists(), "the program's /tmp is the machine's"
    assert not (world / "evil").exists()
    leaks = box.leaks({NIR, OTHER, "255081416802538"})
    assert leaks == [f"tmp/{Path(marker).name}: 1 84 12 ** *** *** **", "tmpdir/t: 2 88 04 ** *** *** **",
                     "work/cache.json: 1 84 12 ** *** *** **"]
    assert "its own /tmp" in box.where()


def test_without_a_mount_namespace_the_program_keeps_its_home_and_tmpdir(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(sandbox_module, "mount_namespace_problem", lambda: "not allowed here")
    box = Sandbox(tmp_path / "dut")
    assert box.wrap(["prog", "x"]) == ["prog", "x"]
    assert "the machine's /tmp (not scanned: not allowed here)" in box.where()
    done = _run(box, "import os, tempfile; print(os.environ['HOME'], tempfile.gettempdir())")
    assert done.stdout.split() == [str(box.home), str(box.tmpdir)]


def test_a_big_or_binary_file_is_read_without_error(tmp_path: Path) -> None:
    box = Sandbox(tmp_path / "dut")
    (box.workdir / "blob").write_bytes(bytes(range(256)) * 100 + NIR.encode())
    (box.home / "huge").write_bytes(b"0" * (sandbox_module.MAX_SCANNED_BYTES + 10) + NIR.encode())
    assert box.leaks({NIR}) == ["work/blob: 1 84 12 ** *** *** **"]
