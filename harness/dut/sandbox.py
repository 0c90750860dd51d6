"""Where a program under test may write, kept apart so that all it wrote can be read afterwards.

A program the harness runs (a billing program, a reader terminal, a launched DUT) gets its own
folder: its working folder, ``HOME`` (and the XDG folders under it) and ``TMPDIR``; and, where a
mount namespace can be made (``unshare --mount``, root or user namespaces), its own ``/tmp``: a
folder of the sandbox mounted on ``/tmp`` for that process alone, the harness's own folders under
``/tmp`` (the bench's key and root certificate) mounted back in, read-only, so the program still
finds them, and the sandbox's own folders mounted back writable.
Every file it wrote in any of these is then in the sandbox's folder on the harness's side, for
:meth:`Sandbox.leaks` to read for NIRs in every spelling.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from pathlib import Path

from apcv.nir import mask_nir
from apcv.nir_spellings import nirs_written

MAX_SCANNED_BYTES = 4 << 20
"""Bytes read of each file written (a bigger file is read up to this many bytes)."""
SYSTEM_TMP = Path("/tmp")
_MOUNT_TMP = ('set -e; if [ -n "$APCV_KEEP" ]; then mkdir -p "$APCV_TMP/$APCV_KEEP"; '
              'mount --bind "/tmp/$APCV_KEEP" "$APCV_TMP/$APCV_KEEP"; '
              'mount -o remount,bind,ro "$APCV_TMP/$APCV_KEEP"; fi; '
              'if [ -n "$APCV_ROOT" ]; then mkdir -p "$APCV_TMP/$APCV_ROOT" 2>/dev/null || true; '
              'mount --bind "/tmp/$APCV_ROOT" "$APCV_TMP/$APCV_ROOT"; fi; '
              'mount --rbind "$APCV_TMP" /tmp; exec "$@"')


@functools.cache
def mount_namespace_problem() -> str | None:
    """Why no private ``/tmp`` can be given to a program here, or None when one can."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return "no unshare command (util-linux)"
    try:
        done = subprocess.run([unshare, "--mount", "--propagation", "private", "true"], capture_output=True,
                              text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unshare --mount failed: {exc}"
    if done.returncode != 0:
        return f"unshare --mount is not allowed here: {done.stderr.strip()[:200]}"
    return None


class Sandbox:
    """The folders a program under test writes to, under ``root``; :meth:`wrap` and :meth:`env`
    start it there."""

    def __init__(self, root: Path, keep_visible: Path | None = None) -> None:
        self.root = root
        self.workdir = root / "work"
        self.home = root / "home"
        self.tmpdir = root / "tmpdir"
        self.private_tmp = root / "tmp"
        for folder in (self.workdir, self.home, self.tmpdir, self.private_tmp):
            folder.mkdir(parents=True, exist_ok=True)
        self._keep = keep_visible
        self.private_tmp_problem = mount_namespace_problem()
        """None when the program gets its own /tmp, else why it shares the machine's."""

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """The program's environment: ``base`` (the harness's) with its own HOME, TMPDIR, XDG folders."""
        env = dict(os.environ if base is None else base)
        env.update({"HOME": str(self.home), "TMPDIR": str(self.tmpdir), "TMP": str(self.tmpdir),
                    "TEMP": str(self.tmpdir), "XDG_CACHE_HOME": str(self.home / ".cache"),
                    "XDG_CONFIG_HOME": str(self.home / ".config"),
                    "XDG_DATA_HOME": str(self.home / ".local" / "share"),
                    "XDG_STATE_HOME": str(self.home / ".local" / "state")})
        return env

    def wrap(self, argv: list[str]) -> list[str]:
        """``argv`` run with its own /tmp when a mount namespace can be made (else as it is)."""
        if self.private_tmp_problem is not None:
            return argv
        return ["unshare", "--mount", "--propagation", "private", "sh", "-c", _MOUNT_TMP, "sandboxed", *argv]

    def wrap_env(self, env: dict[str, str]) -> dict[str, str]:
        """The variables :meth:`wrap`'s mount script reads."""
        def under_tmp(folder: Path | None) -> str:
            resolved = folder.resolve() if folder is not None else None
            inside = resolved is not None and resolved.is_relative_to(SYSTEM_TMP)
            return str(resolved.relative_to(SYSTEM_TMP)) if inside else ""

        return {**env, "APCV_TMP": str(self.private_tmp.resolve()), "APCV_KEEP": under_tmp(self._keep),
                "APCV_ROOT": under_tmp(self.root)}

    def where(self) -> str:
        """Where the program could write, for a message."""
        tmp = ("its own /tmp" if self.private_tmp_problem is None
               else f"the machine's /tmp (not scanned: {self.private_tmp_problem})")
        return f"its working folder, HOME, TMPDIR and {tmp}"

    def written(self) -> Iterator[Path]:
        """Every file the program wrote, wherever it could write."""
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                yield path

    def leaks(self, nirs: Iterable[str]) -> list[str]:
        """``file: masked NIR`` for each of ``nirs`` written, in any spelling, in a file of the sandbox."""
        bodies = {nir[:13]: nir for nir in nirs}
        found = []
        for path in self.written():
            with path.open("rb") as file:
                text = file.read(MAX_SCANNED_BYTES).decode("utf-8", errors="replace")
            for body in sorted(nirs_written(text) & set(bodies)):
                found.append(f"{path.relative_to(self.root)}: {mask_nir(bodies[body])}")
        return found
