"""A bench: a rig file turned into live roles bound to their links.

Scenarios ask the bench for roles (``phone``, ``card``, ``reader``) and never learn
whether a simulator or a device stands behind them.
"""

from __future__ import annotations

from apcv.clock import Clock, WallClock
from apcv.errors import ApcvError
from apcv.links import CardSlot, open_card_slot, open_reader
from apcv.links.base import CardResponder
from apcv.links.card_faults import CardFaults
from apcv.links.registry import open_scanner
from apcv.links.tracing import TracingReaderLink
from apcv.seeded_keys import synthetic_insurer
from apcv.trace import TraceRecorder
from harness.rig import PresentedRole, RigConfig
from harness.scanner import QrScanner
from harness.trust import dut_trust_anchor
from simulators.card.card import VitaleCard
from simulators.factory import synthetic_insured, synthetic_phone
from simulators.phone.phone import Phone
from simulators.reader.kernel import ReaderKernel
from simulators.variants import find_variant


class RoleUnavailable(ApcvError):
    """A scenario asked for a role the rig does not provide."""


class Bench:
    """Live roles of one rig. Use as a context manager so links are closed."""

    def __init__(self, config: RigConfig, *, clock: Clock | None = None,
                 recorder: TraceRecorder | None = None) -> None:
        self.config = config
        self.clock = clock or WallClock()
        self.recorder = recorder or TraceRecorder(clock=self.clock)
        self.insurer = synthetic_insurer(config.seed)
        self._slots: dict[str, CardSlot] = {}
        self._scanner: QrScanner | None = None
        self.phone: Phone | None = None
        self.card: VitaleCard | None = None
        self.trust = dut_trust_anchor(config, self.insurer)
        if config.roles.phone and config.roles.phone.simulated:
            self.phone = self.make_phone(variant=config.dut_variant("phone"))
        if config.roles.card and config.roles.card.simulated:
            variant = config.dut_variant("card")
            make_card = find_variant("card", variant).build if variant else VitaleCard
            self.card = make_card(synthetic_insured(config.roles.card.seed), self.insurer)
        reader = config.roles.reader
        self.reader_link = TracingReaderLink(open_reader(reader.link), self.recorder)
        self.reader = ReaderKernel(self.reader_link, self.trust, clock=self.clock,
                                   extended_length=reader.extended_length, max_le=reader.max_le)
        """Our reference kernel on the reader link: the faulty readers are terminal programs of their own
        (:mod:`simulators.reader.terminal`), run by the rig's ``read`` command."""

    def make_phone(self, *, variant: str | None = None, locked: bool | None = None) -> Phone:
        """A simulated phone of the rig's phone role (its seed and code), or a faulty variant of
        it: the hostile phones a reader under test must refuse."""
        role = self.config.roles.phone
        if role is None:
            raise RoleUnavailable(f"rig '{self.config.name}' has no phone role")
        phone = synthetic_phone(role.seed, self.insurer, self.clock, code=role.code,
                                locked=role.locked if locked is None else locked)
        return find_variant("phone", variant).build(phone, self.insurer, role.seed) if variant else phone

    def require(self, role: str) -> Phone | VitaleCard:
        """The simulated device of ``role`` ('phone' or 'card'), or RoleUnavailable."""
        device = self.phone if role == "phone" else self.card if role == "card" else None
        if device is None:
            raise RoleUnavailable(f"rig '{self.config.name}' has no simulated {role}")
        return device

    def present(self, role: str) -> None:
        """Tap the phone / insert the card of ``role`` on its link (simulated devices)."""
        self.present_device(role, self.require(role))

    def present_device(self, role: str, device: CardResponder) -> None:
        """Put ``device`` (a simulated phone or card) on the link of ``role``, taking the other
        role's device away."""
        cfg: PresentedRole = getattr(self.config.roles, role)
        for other, slot in list(self._slots.items()):
            if other != role:
                slot.detach()
        slot = self._slots.get(role)
        if slot is None:
            slot = open_card_slot(cfg.link)
            slot.record_notes(lambda text, url=cfg.link: self._note_from(url, text))
        self._slots[role] = slot
        slot.attach(device)

    def _note_from(self, url: str, text: str) -> None:
        """Note ``text`` in the trace as coming from the link at ``url``."""
        self.recorder.link = url
        self.recorder.note(text)

    @property
    def scanner(self) -> QrScanner:
        """The scanner role, opened on first use; an in-process scanner is shown the simulated
        phone's screen. RoleUnavailable when the rig has no scanner."""
        if self._scanner is None:
            role = self.config.roles.scanner
            if role is None:
                raise RoleUnavailable(f"rig '{self.config.name}' has no scanner")
            self._scanner = QrScanner(open_scanner(role.link), self.recorder, role.timeout)
            if self._scanner.takes_screens and self.phone is not None:
                self._scanner.show(self.phone)
        return self._scanner

    def faults_active(self) -> list[str]:
        """The faults the links opened so far inject (from their URLs), one line per role."""
        active = []
        for role, slot in self._slots.items():
            faults = getattr(slot, "faults", None)
            if isinstance(faults, CardFaults) and (faults.latency_ms or faults.at):
                active.append(f"{role} link: {faults.describe()}")
        return active

    def withdraw(self, role: str) -> None:
        """Take the device of ``role`` away from its link."""
        if role in self._slots:
            self._slots[role].detach()

    def close(self) -> None:
        """Close every link of the bench."""
        for slot in self._slots.values():
            slot.close()
        self._slots.clear()
        if self._scanner is not None:
            self._scanner.close()
            self._scanner = None
        self.reader_link.close()

    def __enter__(self) -> Bench:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
