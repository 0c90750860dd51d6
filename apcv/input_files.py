"""Reading files a user names (rigs, parameters, timings): regular files only, size-capped, safe YAML.

A path may name anything: ``/dev/zero`` (endless), a FIFO (blocks for ever), a directory, a
50 MB file. :func:`read_text` opens without blocking, refuses what is not a regular file and
what is over the caller's limit, and reads at most that many bytes. :func:`load_yaml` parses
with the safe loader, refuses aliases (``*name``: a few lines of them expand into millions of
references) and turns a parser that recurses too deep into an error. Every fault is the
caller's error class with a one-line message naming the file.
"""

from __future__ import annotations

import functools
import os
import stat
from pathlib import Path
from typing import Any

from apcv.errors import ApcvError

MAX_PEM_BYTES = 64 * 1024
"""Largest PEM key or certificate file read (a P-256 key or certificate is under 1 KB)."""
_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def read_bytes(path: str | Path, *, limit: int, what: str, error: type[ApcvError] = ApcvError,
               missing_hint: str = "") -> bytes:
    """The content of the regular file ``path``, at most ``limit`` bytes, else ``error``."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise error(f"{what} {path} not found{missing_hint}") from None
    except OSError as exc:
        raise error(f"{what} {path} cannot be read: {exc.strerror or exc}") from None
    mode = os.fstat(fd)
    if not stat.S_ISREG(mode.st_mode) or mode.st_size > limit:
        os.close(fd)
        if not stat.S_ISREG(mode.st_mode):
            raise error(f"{what} {path} is {_kind(mode.st_mode)}, not a regular file")
        raise error(f"{what} {path} has {mode.st_size:,} bytes, over the {limit:,}-byte limit")
    with os.fdopen(fd, "rb") as file:
        try:
            data = file.read(limit + 1)
        except OSError as exc:
            raise error(f"{what} {path} cannot be read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise error(f"{what} {path} grew over the {limit:,}-byte limit while being read")
    return data


def read_text(path: str | Path, *, limit: int, what: str, error: type[ApcvError] = ApcvError,
              missing_hint: str = "") -> str:
    """The UTF-8 text of the regular file ``path``, at most ``limit`` bytes, else ``error``."""
    data = read_bytes(path, limit=limit, what=what, error=error, missing_hint=missing_hint)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"{what} {path} is not UTF-8 text (byte {exc.start})") from None


@functools.cache
def _no_alias_loader() -> type:
    """The safe loader, refusing aliases (made on first use: programs that read only PEM or
    binary files, such as the billing program started per billing, never import yaml)."""
    import yaml

    class NoAliasLoader(yaml.SafeLoader):
        def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed",
                                                  event.start_mark)
            return super().compose_node(parent, index)

    return NoAliasLoader


def load_yaml(text: str, source: str, error: type[ApcvError] = ApcvError) -> Any:
    """Parse YAML safely, without aliases; ``error`` naming ``source`` and the line otherwise."""
    import yaml

    try:
        return yaml.load(text, Loader=_no_alias_loader())
    except yaml.YAMLError as exc:
        raise error(f"{source}: not valid YAML: {exc}".replace("\n", " ")) from None
    except RecursionError:
        raise error(f"{source}: not valid YAML: nested too deeply") from None
