"""Keyboard-layout mismatches of keyboard-wedge scanners, named for the person at the bench.

A wedge scanner types key positions that the host maps with its own layout; a US-layout scanner
on an AZERTY host types ``QPCV&M`` for ``APCV1:`` (the map: :mod:`apcv.keyboard_layouts`).
"""

from __future__ import annotations

from apcv.keyboard_layouts import typed_on_azerty, typed_on_qwerty

__all__ = ["layout_hint", "typed_on_azerty", "typed_on_qwerty"]


def layout_hint(payload: str, prefix: str) -> str:
    """Why a wedge payload lacks ``prefix``: a named layout mismatch, or the general advice."""
    if payload.startswith(typed_on_azerty(prefix)):
        return ("it reads as a US-layout scanner typing into an AZERTY (French) keyboard layout: "
                "set the scanner to the host's layout (or to AZERTY), or the host to US")
    if payload.startswith(typed_on_qwerty(prefix)):
        return ("it reads as an AZERTY-layout scanner typing into a US keyboard layout: "
                "set the scanner to the host's layout")
    return ("the keyboard layout is the likely cause: a wedge scanner types key positions, and a "
            "scanner set for another layout than the host's mangles characters like : $ % * + - . /")
