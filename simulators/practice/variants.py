"""The faulty billing programs: names, what each breaks, and the requirement that must catch it.

Their behaviour is in :mod:`simulators.practice.faulty` (each record's maker names its class);
these records stay apart from it so that looking a variant up (``apcv-hil plan``, ``simulate``, a
rig check) does not import the billing program (its backend client and PC/SC reader, a quarter
of a second of CPU).
"""

from __future__ import annotations

from simulators.variant import Variant

ROLE = "practice-software"
FAULTY = "simulators.practice.faulty:"
"""Where the behaviours are: ``VARIANTS[name].build(order, log)`` imports it on first use."""

VARIANTS: dict[str, Variant] = {v.name: v for v in (
    Variant("practice-trusts-qr-content", ROLE,
            "takes a scanned QR at its word: bills its token id without the insurer's verification",
            ("APCV-PS-003",),
            maker=FAULTY + "_TrustsQrContent"),
    Variant("practice-bills-without-verification", ROLE,
            "bills a phone or card read without having the insurer verify the presentation",
            ("APCV-PS-002",),
            maker=FAULTY + "_BillsWithoutVerification"),
    Variant("practice-reuses-cached-rights", ROLE,
            "bills with the rights it kept from the patient's earlier visit", ("APCV-PS-007",),
            maker=FAULTY + "_ReusesCachedRights"),
    Variant("practice-new-claim-id-on-retry", ROLE,
            "sends a claim whose answer was lost again under a new claim id (a duplicate claim)",
            ("APCV-PS-008",),
            maker=FAULTY + "_NewClaimIdOnRetry"),
    Variant("practice-ignores-lock", ROLE,
            "takes a locked app's 6982 for an unreadable device: no unlock asked, nothing billed",
            ("APCV-PS-004",),
            maker=FAULTY + "_IgnoresLock"),
    Variant("practice-logs-full-nir", ROLE,
            "writes the whole NIR of the person billed for in its log", ("APCV-PS-009",),
            maker=FAULTY + "_LogsFullNir"),
    Variant("practice-keeps-requests-in-tmp", ROLE,
            "keeps a trace of its insurer requests (NIRs percent-encoded in the URLs) in a file in /tmp",
            ("APCV-PS-009",),
            maker=FAULTY + "_KeepsRequestsInTmp"),
    Variant("practice-adds-a-supplement", ROLE,
            "sends the insurer a supplement act on top of the one asked, and prints the amount asked",
            ("APCV-PS-001",),
            maker=FAULTY + "_AddsASupplement"),
    Variant("practice-bills-another-act", ROLE,
            "sends the insurer another act code than the one asked (its printout names no act)",
            ("APCV-PS-001",),
            maker=FAULTY + "_BillsAnotherAct"),
)}
