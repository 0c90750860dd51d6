"""Serial ports that look like QR scanners, for ``apcv-hil rigs probe``.

pyserial lists the ports with their USB vendor and product. A port looks like a scanner when
its vendor makes 2D scanners or its description says so; other USB serial ports are listed
too (many scanners use generic USB-serial chips), legacy UARTs are not.
"""

from __future__ import annotations

from dataclasses import dataclass

from serial.tools import list_ports
from serial.tools.list_ports_common import ListPortInfo

SCANNER_VENDORS = {
    0x0C2E: "Honeywell (Metrologic / Hand Held Products)",
    0x05E0: "Zebra (Symbol)",
    0x05F9: "Datalogic",
    0x1EAB: "Newland",
}
SCANNER_WORDS = ("scan", "barcode", "imager", "honeywell", "zebra", "symbol", "datalogic", "newland")


@dataclass(frozen=True)
class SerialPort:
    """A USB serial port and whether it looks like a QR scanner."""

    device: str
    description: str
    scanner_like: bool

    @property
    def link(self) -> str:
        """The ``serial:`` URL a rig file would name it by."""
        return f"serial://{self.device}"


def describe(info: ListPortInfo) -> SerialPort | None:
    """The port ``info`` as a :class:`SerialPort`, or None when it is not a USB port."""
    if info.vid is None:
        return None
    text = " ".join(filter(None, (info.description, info.manufacturer, info.product))).lower()
    vendor = SCANNER_VENDORS.get(info.vid)
    scanner_like = vendor is not None or any(word in text for word in SCANNER_WORDS)
    label = f"{info.description or info.device} [{info.vid:04x}:{info.pid or 0:04x}]"
    return SerialPort(info.device, f"{label} {vendor}" if vendor else label, scanner_like)


def usb_serial_ports() -> list[SerialPort]:
    """USB serial ports, scanner-like ones first."""
    ports = [p for p in (describe(info) for info in list_ports.comports()) if p is not None]
    return sorted(ports, key=lambda p: (not p.scanner_like, p.device))
