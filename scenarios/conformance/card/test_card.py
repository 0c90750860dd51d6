"""The physical card (APCV-R1 §8)."""

import cbor2
import pytest

from apcv.profile.r1 import cose
from apcv.profile.r1.constants import EF_IDENTITY
from apcv.profile.r1.files import CARD_FILE_KEYS, fcp, tlv_paths

SELECT_CARD = "00A4040C06F04150435602"
SELECT_APCV = "00A4040006F0415043560100"
SELECT_EF = "00A4020402010100"
PIECE = 100
"""Le of the reads that check each piece's size."""


def read_file(card_apdu, piece: int = 200) -> tuple[bytes, list[int]]:
    """Select the application and the identity file and read it whole, ``piece`` bytes asked at
    a time: (content, the size of each answer)."""
    return read_whole(card_apdu, select_identity_file(card_apdu), piece)


def select_identity_file(card_apdu) -> int:
    """Select the application and the identity file; the file's size its FCP gives."""
    assert card_apdu.send(SELECT_CARD).sw == 0x9000
    fcp_answer = card_apdu.send(SELECT_EF)
    assert fcp_answer.sw == 0x9000, f"SELECT EF answered {fcp_answer.sw:04X}"
    assert fcp_answer.data[:1] == b"\x62", "SELECT EF answered no FCP template"
    return int.from_bytes(dict(tlv_paths(fcp_answer.data))["62/80"], "big")


def read_whole(card_apdu, size: int, piece: int = 200) -> tuple[bytes, list[int]]:
    """Read the selected file of ``size`` bytes, ``piece`` bytes asked at a time: (content, the size
    of each answer)."""
    content, sizes = b"", []
    while len(content) < size:
        rsp = card_apdu.send(f"00B0{len(content):04X}{min(size - len(content), piece) % 256:02X}")
        assert rsp.sw == 0x9000
        assert rsp.data, f"READ BINARY at {len(content)} of {size} answered no data"
        content += rsp.data
        sizes.append(len(rsp.data))
    assert len(content) == size
    return content, sizes


@pytest.mark.apcv_requirement("APCV-CARD-001")
@pytest.mark.apcv_element("card.sw.apcv-aid")
def test_select_card_application(card_apdu):
    assert card_apdu.send(SELECT_APCV).sw == 0x6A82
    assert card_apdu.send(SELECT_CARD).sw == 0x9000


@pytest.mark.apcv_requirement("APCV-CARD-001")
@pytest.mark.apcv_element("card.sw.apcv-aid", "card.state.apcv-aid-deselects")
def test_another_aid_deselects_the_card_application(card_apdu):
    assert card_apdu.send(SELECT_CARD).sw == 0x9000
    assert card_apdu.send(SELECT_APCV).sw == 0x6A82
    assert card_apdu.send(SELECT_EF).sw == 0x6A82


@pytest.mark.apcv_requirement("APCV-CARD-002", "APCV-CARD-003", "APCV-CARD-004")
@pytest.mark.apcv_element("card.chunk.last")
def test_read_signed_card_data(card_apdu, bench, blame):
    with blame("APCV-CARD-002"):
        size = select_identity_file(card_apdu)
    with blame("APCV-CARD-003"):
        content, _ = read_whole(card_apdu, size)
    with blame("APCV-CARD-004"):
        assert cose.verify(content, bench.insurer.trust_anchor.public_key)


@pytest.mark.apcv_requirement("APCV-CARD-002")
@pytest.mark.apcv_element("card.tag.62", "card.tag.62/80", "card.tag.62/82", "card.tag.62/83")
def test_fcp_describes_the_identity_file(card_apdu):
    assert card_apdu.send(SELECT_CARD).sw == 0x9000
    answer = card_apdu.send(SELECT_EF)
    assert answer.sw == 0x9000
    found = dict(tlv_paths(answer.data))
    expected = dict(tlv_paths(fcp(EF_IDENTITY, int.from_bytes(found.get("62/80", b""), "big"))))
    assert sorted(found) == sorted(expected), f"FCP tags {sorted(found)}, the profile's {sorted(expected)}"
    assert found["62/82"] == expected["62/82"], "tag 82 does not describe a transparent EF (01)"
    assert found["62/83"] == expected["62/83"], f"tag 83 names file {found['62/83'].hex().upper()}, not 0101"


@pytest.mark.apcv_requirement("APCV-CARD-003")
@pytest.mark.apcv_element("card.chunk.read", "card.chunk.last")
def test_each_read_answers_le_bytes(card_apdu):
    _, sizes = read_file(card_apdu, PIECE)
    assert sizes[:-1] == [PIECE] * (len(sizes) - 1), f"answers of {sizes} bytes to reads of {PIECE}"
    assert 0 < sizes[-1] <= PIECE


@pytest.mark.apcv_requirement("APCV-CARD-004")
@pytest.mark.apcv_element(*(f"card.key.{key}" for key in CARD_FILE_KEYS))
def test_card_data_map_has_the_profile_keys(card_apdu, bench):
    content, _ = read_file(card_apdu)
    data = cbor2.loads(cose.verify(content, bench.insurer.trust_anchor.public_key))
    assert isinstance(data, dict) and sorted(data) == sorted(CARD_FILE_KEYS), \
        f"card data keys {sorted(data) if isinstance(data, dict) else type(data).__name__}"
    assert data["v"] == 1 and isinstance(data["serial"], str)
    assert isinstance(data["holder"], dict) and isinstance(data["cov"], dict)
    assert isinstance(data["ben"], list)


@pytest.mark.apcv_requirement("APCV-CARD-003")
@pytest.mark.apcv_element("card.sw.no-current-ef", "card.sw.past-end", "card.sw.no-le", "card.sw.unknown-ef")
def test_read_errors(card_apdu):
    assert card_apdu.send(SELECT_CARD).sw == 0x9000
    assert card_apdu.send("00B0000010").sw == 0x6986  # no current EF
    assert card_apdu.send(SELECT_EF).sw == 0x9000
    assert card_apdu.send("00B07F0010").sw == 0x6B00
    assert card_apdu.send("00B0000010").sw == 0x9000
    assert card_apdu.send("00B00000").sw == 0x6700  # Le missing
    assert card_apdu.send("00A4020C029999").sw == 0x6A82
