"""rigs/examples/usb-qr-scanner.yaml: the serial rig validates, and so do its wedge and camera variants."""

import re

from harness.rig import RIGS_DIR, load_rig, parse_rig

EXAMPLE = RIGS_DIR / "examples" / "usb-qr-scanner.yaml"


def test_serial_variant():
    rig = load_rig(EXAMPLE)
    assert rig.roles.scanner.link.startswith("serial:///dev/ttyACM0")
    assert {"hardware", "qr-scanner"} <= rig.all_features()


def test_commented_wedge_and_camera_variants_validate():
    text = EXAMPLE.read_text(encoding="utf-8")
    variants = re.findall(r'^#\s+link: "((?:wedge|camera):[^"]+)"', text, flags=re.MULTILINE)
    assert len(variants) == 3
    data = load_rig(EXAMPLE).model_dump()
    for link in variants:
        data["roles"]["scanner"]["link"] = link
        assert parse_rig(data, str(EXAMPLE)).roles.scanner.link == link
    assert "qr-camera" in parse_rig(data).all_features()
