"""``nfc://usb:...`` on real PN53x / ACR122U frontends: one in card emulation, one reading.

Hardware tests: set APCV_NFC_USB_CARD and APCV_NFC_USB_READER to nfcpy device paths (for
example ``usb:054c:06c1`` and ``usb:072f:2200``) with the two antennas facing each other,
and run with a rig declaring the ``hardware`` feature.
"""

from __future__ import annotations

import os

import pytest

from apcv.links import LinkError, LinkUrl, open_card_slot, open_reader
from apcv.links.nfc import open_frontend
from apcv.seeded_keys import synthetic_insurer
from simulators.factory import synthetic_phone
from simulators.reader.kernel import ReaderKernel


def usb_path(variable: str) -> str:
    """The device path in ``variable``, or skip saying why."""
    path = os.environ.get(variable, "")
    if not path.startswith("usb:"):
        pytest.skip(f"no NFC USB device: set {variable}=usb:VID:PID")
    try:
        open_frontend(LinkUrl.parse(f"nfc://{path}"), listener=False).close()
    except LinkError as exc:
        pytest.skip(f"{variable}={path}: {exc}")
    return path


@pytest.mark.apcv_hardware
def test_presentation_between_two_usb_frontends() -> None:
    card_path, reader_path = usb_path("APCV_NFC_USB_CARD"), usb_path("APCV_NFC_USB_READER")
    insurer = synthetic_insurer(0)
    phone = synthetic_phone(2, insurer)
    slot = open_card_slot(f"nfc://{card_path}")
    link = open_reader(f"nfc://{reader_path}")
    try:
        slot.attach(phone)
        result = ReaderKernel(link, insurer.trust_anchor).read()
        assert result.kind == "phone"
        assert result.holder.nir == phone.wallet.insured.identity.nir
    finally:
        link.close()
        slot.close()
