"""Faulty cards: the reference carte Vitale with one thing broken each.

They prove the card plan can fail: each must fail it on the requirement in ``breaks``. Those
with ``elements`` break one element of the profile (docs/profile-coverage.md) that only its
own check catches.
"""

from __future__ import annotations

import cbor2

from apcv.people import Insured
from apcv.profile.r1 import cose
from apcv.profile.r1.apdu import CommandApdu
from apcv.profile.r1.constants import AID_APCV, AID_CARD, EF_IDENTITY, SW
from apcv.profile.r1.credentials import Insurer, key_from_scalar
from apcv.profile.r1.responder import Rejected
from apcv.seeded_keys import seeded_scalar
from simulators.card.card import VitaleCard, card_data
from simulators.variant import Variant

ROLE = "card"
SHORT_READ = 64
"""Bytes the short-reading card answers at most, whatever Le asks."""


class _AnswersApcvAid(VitaleCard):
    """Selects its application on the apCV AID too."""

    def _select(self, cmd: CommandApdu) -> bytes:
        if cmd.p1 == 0x04 and cmd.data == AID_APCV:
            self._app_selected, self._current = True, None
            return b""
        return super()._select(cmd)


class _ForeignSignature(VitaleCard):
    """Holds card data signed by an insurer the reader does not trust."""

    def __init__(self, insured: Insured, insurer: Insurer) -> None:
        super().__init__(insured, insurer)
        rogue = key_from_scalar(seeded_scalar("rogue-card-insurer", 0))
        self._files[EF_IDENTITY] = cose.Signer(rogue, None).sign(card_data(insured))


class _ReadsPastEnd(VitaleCard):
    """Answers a read past the end of the file with no data and 9000."""

    def _read(self, cmd: CommandApdu) -> bytes:
        try:
            return super()._read(cmd)
        except Rejected as rejected:
            if rejected.sw == SW.OFFSET_OUT_OF_FILE:
                return b""
            raise


class _FcpWrongFileId(VitaleCard):
    """Describes its identity file in the FCP as file 0201 of another structure (tags 82, 83)."""

    def _select(self, cmd: CommandApdu) -> bytes:
        answer = super()._select(cmd)
        if answer[:1] == b"\x62":
            answer = answer.replace(b"\x82\x01\x01\x83\x02\x01\x01", b"\x82\x01\x41\x83\x02\x02\x01")
        return answer


class _ShortReads(VitaleCard):
    """Answers at most 64 bytes to a READ BINARY, whatever Le asks."""

    def _read(self, cmd: CommandApdu) -> bytes:
        return super()._read(cmd)[:SHORT_READ]


class _KeepsApplicationAfter6A82(VitaleCard):
    """Answers 6A82 to another AID but keeps its own application selected."""

    def _select(self, cmd: CommandApdu) -> bytes:
        if cmd.p1 == 0x04 and cmd.p2 in (0x00, 0x0C) and cmd.data != AID_CARD and self._app_selected:
            raise Rejected(SW.NOT_FOUND)  # the application and its current file stay selected
        return super()._select(cmd)


class _DataWithoutRights(VitaleCard):
    """Holds card data, signed by the insurer, whose map lacks the rights (``cov``)."""

    def __init__(self, insured: Insured, insurer: Insurer) -> None:
        super().__init__(insured, insurer)
        data = cbor2.loads(card_data(insured))
        del data["cov"]
        self._files[EF_IDENTITY] = cose.Signer(insurer.key, None).sign(cbor2.dumps(data))


VARIANTS: dict[str, Variant] = {v.name: v for v in (
    Variant("card-answers-apcv-aid", ROLE, "selects its application on the apCV AID too",
            ("APCV-CARD-001",),
            maker=_AnswersApcvAid),
    Variant("card-foreign-signature", ROLE,
            "holds card data signed by an insurer the reader does not trust",
            ("APCV-CARD-004",),
            maker=_ForeignSignature),
    Variant("card-reads-past-end", ROLE, "answers a read past the end of the file with no data and 9000",
            ("APCV-CARD-003",),
            maker=_ReadsPastEnd),
    Variant("card-fcp-wrong-file-id", ROLE,
            "describes its identity file in the FCP as file 0201 of another structure",
            ("APCV-CARD-002",), ("card.tag.62/82", "card.tag.62/83"),
            maker=_FcpWrongFileId),
    Variant("card-short-reads", ROLE,
            f"answers at most {SHORT_READ} bytes to a READ BINARY, whatever Le",
            ("APCV-CARD-003",), ("card.chunk.read",),
            maker=_ShortReads),
    Variant("card-keeps-application-after-6a82", ROLE,
            "answers 6A82 to another AID but keeps its own application selected",
            ("APCV-CARD-001",), ("card.state.apcv-aid-deselects",),
            maker=_KeepsApplicationAfter6A82),
    Variant("card-data-without-rights", ROLE, "holds insurer-signed card data whose map lacks `cov`",
            ("APCV-CARD-004",), ("card.key.cov",),
            maker=_DataWithoutRights),
)}
"""The card's faulty variants by name; ``VARIANTS[name].build(insured, insurer)`` is the card."""
