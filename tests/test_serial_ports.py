"""Which serial ports ``apcv-hil rigs probe`` shows as QR scanners."""

from serial.tools.list_ports_common import ListPortInfo

from apcv.links.serial_ports import describe, usb_serial_ports


def _port(device: str, vid: int | None, pid: int | None = None, description: str = "n/a") -> ListPortInfo:
    info = ListPortInfo(device)
    info.vid, info.pid, info.description = vid, pid, description
    return info


def test_scanner_vendor_is_recognised():
    port = describe(_port("/dev/ttyACM0", 0x0C2E, 0x0B61, "Honeywell 1950g"))
    assert port.scanner_like and port.link == "serial:///dev/ttyACM0"
    assert "[0c2e:0b61]" in port.description and "Honeywell" in port.description


def test_description_words_and_generic_chips():
    assert describe(_port("/dev/ttyACM1", 0x1234, 1, "2D Barcode Scanner")).scanner_like
    generic = describe(_port("/dev/ttyUSB0", 0x1A86, 0x7523, "USB Serial"))
    assert generic is not None and not generic.scanner_like


def test_legacy_uarts_are_not_listed():
    assert describe(_port("/dev/ttyS0", None)) is None


def test_listing_this_machine_returns_usb_ports_only():
    assert all(p.device and p.link.startswith("serial://") for p in usb_serial_ports())
