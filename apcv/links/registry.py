"""Link schemes by name, like nfcpy drivers or pyvisa backends.

Built-in schemes are modules of this package; out-of-tree links register a module under
the ``apcv_hil.links`` entry-point group (name = scheme) exposing ``open_reader(url)``
and/or ``open_card_slot(url)``. QR scanners (the ``scanner`` role) have schemes of their own,
``SCANNER_SCHEMES``; an out-of-tree module adds one by exposing ``open_scanner(url)``. So do the
displays that show the phone's QR code to a real scanner, ``DISPLAY_SCHEMES`` (``open_display(url)``,
and ``view_display(url)`` for the other end: what a camera pointed at the display sees).
"""

from __future__ import annotations

import functools
import importlib
from types import ModuleType
from typing import TYPE_CHECKING

from apcv.links.base import CardSlot, LinkError, LinkUrl, ReaderLink
from apcv.links.display_base import DisplayLink
from apcv.links.scanner_base import FrameScreen, ScannerLink

BUILTIN_SCHEMES = {
    "sim": "apcv.links.sim",
    "vpcd": "apcv.links.vpcd",
    "pcsc": "apcv.links.pcsc",
    "nfc": "apcv.links.nfc",
    "relay": "apcv.links.relay",
}
SCANNER_SCHEMES = {
    "sim": "apcv.links.sim_scanner",
    "serial": "apcv.links.serial_scanner",
    "wedge": "apcv.links.wedge",
    "image": "apcv.links.image",
    "camera": "apcv.links.video",
    "frames": "apcv.links.frames_camera",
}
DISPLAY_SCHEMES = {
    "screen": "apcv.links.screen",
    "frames": "apcv.links.frames",
}
ENTRY_POINT_GROUP = "apcv_hil.links"

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint


class UnknownLinkScheme(LinkError):
    """No link module handles the URL's scheme."""


@functools.cache
def _installed() -> tuple[EntryPoint, ...]:
    """The installed link modules, read once a process: reading them scans every installed
    distribution's metadata (tens of milliseconds), and each rig loaded checks its links' schemes."""
    from importlib.metadata import entry_points  # tens of ms to import: a built-in scheme never needs it

    return tuple(entry_points(group=ENTRY_POINT_GROUP))


def _installed_named(scheme: str) -> list[EntryPoint]:
    return [ep for ep in _installed() if ep.name == scheme]


def known_schemes() -> list[str]:
    """Every scheme a URL may use, built-in and installed."""
    return sorted(set(BUILTIN_SCHEMES) | {ep.name for ep in _installed()})


def known_scanner_schemes() -> list[str]:
    """Every scheme a scanner URL may use, built-in and installed."""
    return sorted(set(SCANNER_SCHEMES) | {ep.name for ep in _installed()})


def known_display_schemes() -> list[str]:
    """Every scheme a display URL may use, built-in and installed."""
    return sorted(set(DISPLAY_SCHEMES) | {ep.name for ep in _installed()})


def _module(url: LinkUrl) -> ModuleType:
    if url.scheme in BUILTIN_SCHEMES:
        return importlib.import_module(BUILTIN_SCHEMES[url.scheme])
    for ep in _installed_named(url.scheme):
        return ep.load()
    raise UnknownLinkScheme(
        f"unknown link scheme '{url.scheme}' in {url.raw!r}; known: {', '.join(known_schemes())}"
    )


def _hook(url: str, name: str, role: str):
    parsed = LinkUrl.parse(url)
    hook = getattr(_module(parsed), name, None)
    if hook is None:
        raise LinkError(f"scheme '{parsed.scheme}' cannot be used {role}")
    return hook(parsed)


def open_reader(url: str) -> ReaderLink:
    """The reader end of the link at ``url``."""
    return _hook(url, "open_reader", "as a reader link")


def open_card_slot(url: str) -> CardSlot:
    """The card end of the link at ``url``, where a simulated device is presented."""
    return _hook(url, "open_card_slot", "to carry a simulated card or phone")


def _open_end(url: str, schemes: dict[str, str], hook_name: str, what: str, known: list[str]):
    """Open ``url`` with the ``hook_name`` of its scheme's module: built-in, else an entry point."""
    parsed = LinkUrl.parse(url)
    if parsed.scheme in schemes:
        return getattr(importlib.import_module(schemes[parsed.scheme]), hook_name)(parsed)
    for ep in _installed_named(parsed.scheme):
        hook = getattr(ep.load(), hook_name, None)
        if hook is not None:
            return hook(parsed)
    raise UnknownLinkScheme(f"no {what} link for scheme '{parsed.scheme}' in {url!r}; "
                            f"known: {', '.join(known)}")


def open_scanner(url: str) -> ScannerLink:
    """The QR scanner at ``url`` (``serial:``, ``wedge:``, ``sim:``, ...)."""
    return _open_end(url, SCANNER_SCHEMES, "open_scanner", "QR scanner", known_scanner_schemes())


def open_display(url: str) -> DisplayLink:
    """The display at ``url`` (``screen:``, ``screen::1``, ...) that shows the phone's QR code."""
    return _open_end(url, DISPLAY_SCHEMES, "open_display", "QR display", known_display_schemes())


def view_display(url: str) -> FrameScreen:
    """What a camera pointed at the display at ``url`` sees (``frames:PATH``, ``screen::1``): the
    other end of a display another process shows codes on, for a simulated scanner to film."""
    return _open_end(url, DISPLAY_SCHEMES, "view_display", "display", known_display_schemes())
