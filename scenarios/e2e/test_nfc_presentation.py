"""End to end: unlock the phone, tap it on the reader, get identity and rights."""

import pytest

from apcv.nir import mask_nir


@pytest.mark.apcv_requirement("APCV-NFC-031", "APCV-RDR-005")
@pytest.mark.apcv_rig_feature("sim-phone")
def test_unlock_tap_read(bench, phone, reader, measure):
    phone.lock.lock()
    phone.unlock()
    bench.present("phone")
    result = reader.read()
    assert result.kind == "phone"
    assert result.holder.nir == phone.wallet.insured.identity.nir
    summary = result.summary(mask_nir)
    assert result.holder.nir not in str(summary)
    measure("total_ms", round(result.timings_ms["total"], 3), unit="ms", low=0)
    kinds = [e.kind for e in bench.recorder.events]
    assert kinds[0] == "field_on" and kinds[-1] == "field_off"
    assert kinds.count("command") == kinds.count("response") >= 3


@pytest.mark.apcv_requirement("APCV-NFC-031")
@pytest.mark.apcv_rig_feature("sim-phone")
def test_wrong_codes_block_the_app(phone):
    from simulators.phone.unlock import UnlockError

    phone.lock.lock()
    for left in (2, 1):
        with pytest.raises(UnlockError, match=f"{left} tr"):
            phone.unlock("9999" if phone.lock.code != "9999" else "8888")
    with pytest.raises(UnlockError, match="blocked"):
        phone.unlock("9999" if phone.lock.code != "9999" else "8888")
    with pytest.raises(UnlockError, match="blocked"):
        phone.unlock()
