"""The typed outcome of one read by the reference reader kernel."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from apcv.people import Beneficiary, Coverage, Identity


@dataclass(frozen=True)
class ReadResult:
    """Identity and rights read from a phone (apCV) or a physical card, with timings."""

    kind: Literal["phone", "card"]
    holder: Identity
    coverage: Coverage
    beneficiaries: tuple[Beneficiary, ...]
    selected: int
    reference: str  # card reference of the app, or serial of the physical card
    token_id: bytes = b""
    presentation: bytes = b""  # the signed COSE_Sign1 (phone) or signed card data (card)
    atr: bytes = b""
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def selected_identity(self) -> Identity:
        """The person the care is for."""
        return self.holder if self.selected == 0 else self.beneficiaries[self.selected - 1].identity

    def summary(self, mask: Any) -> dict[str, Any]:
        """A JSON-ready summary; ``mask`` turns a NIR into its masked display form."""

        def person(identity: Identity) -> dict[str, Any]:
            return {
                "nir": mask(identity.nir),
                "name": f"{' '.join(identity.first_names)} {identity.birth_name}",
                "birth_date": identity.birth_date.isoformat(),
                "sex": identity.sex,
            }

        return {
            "kind": self.kind,
            "reference": self.reference,
            "holder": person(self.holder),
            "beneficiaries": [
                {**person(b.identity), "relation": b.relation} for b in self.beneficiaries
            ],
            "selected": self.selected,
            "coverage": {
                "regime": f"{self.coverage.regime_code} {self.coverage.regime_name}",
                "fund": f"{self.coverage.fund_code} {self.coverage.fund_name}",
                "rights_from": self.coverage.rights_from.isoformat(),
                "rights_until": (
                    self.coverage.rights_until.isoformat() if self.coverage.rights_until else None
                ),
            },
            "token_id": self.token_id.hex(),
            "timings_ms": {k: round(v, 3) for k, v in self.timings_ms.items()},
        }
