"""The world around a billing program under test, started for the session and torn down after.

- the insurer backend, served over HTTP by a child process with its audit log, behind a relay
  that can lose an answer (:mod:`.network`) on the rig's ``roles.backend`` port (0: any free
  one); the program is told the relay's URL;
- the cast (:mod:`.cast`) registered there: their cards, the phones they activated, the
  grandparent's delegation; the practitioner's key and the insurer root as PEM files;
- their phones and the parent's physical card in a simulator process by pcscd's virtual reader
  (``apcv-hil simulate devices``), tapped, locked and shown QR codes through its control channel;
- the scanner the program reads QR codes from (:mod:`.scanner_input`).
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from apcv.errors import ApcvError
from apcv.links import open_reader
from apcv.links.base import LinkUrl
from apcv.people import Insured
from apcv.profile.r1.credentials import key_from_scalar
from apcv.seeded_keys import seeded_scalar, synthetic_insurer
from harness.dut.control import ApiControl
from harness.dut.launch import LaunchedDut
from harness.dut.sandbox import Sandbox
from harness.practice.cast import Cast, choose_cast
from harness.practice.network import LossyNetwork
from harness.practice.scanner_input import PtyScanner
from harness.rig import RigConfig
from simulators.backend.client import BackendClient, Signer, open_backend
from simulators.backend.process import ServerProcess
from simulators.identity.france_identite import FranceIdentite
from simulators.population.generator import generate_practitioners

CONTROL_TIMEOUT_S = 10.0
PRESENCE_TIMEOUT_S = 5.0
DELEGATION_S = 3600
HOSTILE_PHONES = {"parent-uncertified": "phone-uncertified-key",
                  "parent-bad-signature": "phone-bad-signature"}
"""Faulty copies of the parent's phone: presentations a billing program must refuse."""
CARD = "parent-card"


class WorldError(ApcvError):
    """The bench around the billing program could not be set up (the message says which part)."""


@dataclass(frozen=True)
class PhoneWallet:
    """A phone of the bench: the card it carries, its device key, certificate and card data."""

    name: str
    carries: Insured
    card_reference: str
    key: ec.EllipticCurvePrivateKey
    certificate: bytes
    card_data: bytes

    def spec(self, variant: str | None = None, name: str | None = None) -> dict[str, Any]:
        """This phone as an entry of the devices file."""
        scalar = self.key.private_numbers().private_value
        return {"kind": "phone", "name": name or self.name, "insured": self.carries.to_dict(),
                "card_reference": self.card_reference, "key_scalar": f"{scalar:x}",
                "certificate": base64.b64encode(self.certificate).decode(),
                "card_data": base64.b64encode(self.card_data).decode(), "variant": variant}


class PracticeWorld:
    """Everything around the billing program; :meth:`close` stops it all."""

    def __init__(self, config: RigConfig, folder: Path) -> None:
        self.config = config
        self.folder = folder
        self.dut_folder = folder / "dut"
        """Everywhere the program may write (its sandbox: working folder, HOME, TMPDIR, its own /tmp),
        read for NIRs after its runs."""
        self.sandbox = Sandbox(self.dut_folder, keep_visible=folder)
        self.cast: Cast = choose_cast(config.seed)
        self.insurer = synthetic_insurer(config.seed)
        self._stack = contextlib.ExitStack()
        try:
            self._start()
        except BaseException:
            self._stack.close()
            raise

    def _start(self) -> None:
        seed = self.config.seed
        try:
            self.server = ServerProcess(f"sqlite:///{self.folder / 'backend.sqlite3'}", seed=seed, audit=True,
                                        startup_timeout=60)
        except ApcvError as exc:
            raise WorldError(f"the insurer backend did not start: {exc}") from None
        self._stack.callback(self.server.stop)
        backend = self.config.roles.backend
        port = urlsplit(backend.link).port if backend is not None else None
        self.network = LossyNetwork(("127.0.0.1", self.server.port), port=port or 0)
        self._stack.callback(self.network.close)
        self.backend: BackendClient = open_backend(self.server.url, timeout=10.0)
        self._stack.callback(self.backend.close)
        self.operator = Signer.operator(seed=seed)
        self.rpps = next(iter(generate_practitioners(1, seed))).rpps
        self.practitioner = Signer.practitioner(self.rpps, seed)
        self.key_file = self.folder / "practitioner-key.pem"
        self.key_file.write_bytes(self.practitioner.key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8,
                                                                      NoEncryption()))
        self.trust_file = self.folder / "insurer-root.pem"
        self.trust_file.write_bytes(self.insurer.trust_anchor.to_pem())
        self.wallets = self._register()
        self.control = self._start_devices()
        from apcv.links.pcsc import PcscReaderLink  # pyscard, of the [hardware] group: loaded here

        reader = open_reader(self.config.roles.reader.link)
        assert isinstance(reader, PcscReaderLink)  # checked by the rig checks
        self.reader = reader
        """The program's reader, watched (never connected to) for taps and removals."""
        self._stack.callback(reader.close)
        self.scanner = PtyScanner() if self.config.dut is not None and self.config.dut.qr_input == "serial" \
            else None
        if self.scanner is not None:
            self._stack.callback(self.scanner.close)

    def _register(self) -> dict[str, PhoneWallet]:
        """The cast registered at the insurer, their phones activated, the card delegated."""
        cast = self.cast
        for person in cast.everyone():
            self.backend.provision(self.operator, person)
        owners = {"parent": cast.parent, "co-parent": cast.co_parent, "grandparent": cast.grandparent}
        wallets: dict[str, PhoneWallet] = {}
        proofs = FranceIdentite(self.config.seed)
        for name, owner in owners.items():
            key = key_from_scalar(seeded_scalar(f"practice-phone-{name}", self.config.seed))
            done = self.backend.enrol(key, owner.identity.nir, "france_identite",
                                      identity_assertion=proofs.prove(owner.identity.nir, key.public_key()))
            certificate = base64.b64decode(done["device_certificate"])
            if name == "grandparent":  # the parent's card, lent: signed by the insurer for this phone's key
                # (with every child, in the card's order, so the lapsed delegation is the backend's to refuse)
                reference = wallets["parent"].card_reference
                card = self.insurer.issue_card_data(cast.parent, reference, key.public_key()).to_bytes()
                wallets[name] = PhoneWallet(name, cast.parent, reference, key, certificate, card)
            else:
                wallets[name] = PhoneWallet(name, owner, done["card_reference"], key, certificate,
                                            base64.b64decode(done["card_data"]))
        now = time.time()
        parent_key = wallets["parent"].key
        children = cast.parent.beneficiaries
        grandparent = cast.grandparent.identity.nir
        self.backend.delegate(parent_key, grandparent, [children[cast.delegated_child - 1].identity.nir],
                              now - DELEGATION_S, now + DELEGATION_S)
        self.backend.delegate(parent_key, grandparent, [children[cast.lapsed_child - 1].identity.nir],
                              now - 2 * DELEGATION_S, now - DELEGATION_S)
        return wallets

    def _start_devices(self) -> ApiControl:
        roles = self.config.roles
        link = (roles.phone or roles.card).link  # type: ignore[union-attr]  (checked by the rig checks)
        devices = [w.spec() for w in self.wallets.values()]
        devices += [self.wallets["parent"].spec(variant, name) for name, variant in HOSTILE_PHONES.items()]
        devices.append({"kind": "card", "name": CARD, "insured": self.cast.parent.to_dict()})
        spec = self.folder / "devices.json"
        spec.write_text(json.dumps({"insurer_seed": self.config.seed, "devices": devices}), encoding="utf-8")
        try:
            process = LaunchedDut(("apcv-hil", "simulate", "devices", str(spec), "--link", link,
                                   "--control", "tcp://127.0.0.1:0"))
        except ApcvError as exc:
            raise WorldError(f"the phones and cards did not start: {exc}") from None
        self._stack.callback(process.stop)
        found = re.search(r"control channel on (tcp://\S+)", process.output())
        if found is None:
            raise WorldError(f"the devices process named no control channel: {process.output()[-300:]}")
        return ApiControl(found.group(1), CONTROL_TIMEOUT_S)

    # what the program is told
    def placeholders(self, beneficiary: int, amount_cents: int, act: str = "G",
                     qr_input: str | None = None) -> dict[str, str]:
        """The ``bill`` template's placeholders for one billing (QR codes taken as the rig says, or
        as ``qr_input`` says)."""
        dut = self.config.dut
        qr_input = qr_input or (dut.qr_input if dut is not None else "none")
        port = self.scanner.path if self.scanner is not None else ""
        scanner = {"serial": port, "stdin": "-"}.get(qr_input, "")
        return {"reader": LinkUrl.parse(self.config.roles.reader.link).target, "scanner": scanner,
                "backend": self.network.url, "rpps": self.rpps, "key": str(self.key_file),
                "trust": str(self.trust_file), "beneficiary": str(beneficiary), "amount": str(amount_cents),
                "act": act}

    # the phones and cards
    def act(self, action: str, **params: object) -> dict[str, Any]:
        """One action on the devices process (WorldError when it fails)."""
        answer = self.control.request({"action": action, **params})
        if answer.get("ok") is not True:
            raise WorldError(f"devices: {action} failed: {answer.get('error', answer)}")
        return answer

    def tap(self, device: str) -> None:
        """Put ``device`` on the reader; back once pcscd sees it there."""
        self.act("tap", device=device)
        if not self.reader.wait_for_card(PRESENCE_TIMEOUT_S):
            raise WorldError(f"pcscd did not see {device} on {self.reader.reader_name} within "
                             f"{PRESENCE_TIMEOUT_S:g} s")

    def remove(self) -> None:
        """Take whatever is on the reader away; back once pcscd sees the reader empty (so that a
        program started next does not take the last device for one still there)."""
        self.act("remove")
        if not self.reader.wait_for_removal(PRESENCE_TIMEOUT_S):
            raise WorldError(f"pcscd still sees a device on {self.reader.reader_name} after "
                             f"{PRESENCE_TIMEOUT_S:g} s")

    def device_state(self, device: str) -> dict[str, Any]:
        """What the reader did to ``device`` since it was tapped, and its lock."""
        return self.act("status")["devices"][device]

    def qr_of(self, phone: str, beneficiary_nir: str | None = None) -> str:
        """The QR ``phone`` shows now, for the holder or a beneficiary."""
        self.act("beneficiary", device=phone, nir=beneficiary_nir)
        text = self.act("qr", device=phone).get("qr")
        if not isinstance(text, str):
            raise WorldError(f"phone {phone} shows no QR (locked?)")
        return text

    # the insurer
    def audit_mark(self) -> int:
        """The number of the newest audit entry."""
        return int(self.backend.audit(self.operator, 10**15)["last"])

    def audit_since(self, mark: int) -> list[dict[str, Any]]:
        """Audit entries after ``mark``."""
        return list(self.backend.audit(self.operator, mark)["entries"])

    def receipts(self, phone: str) -> list[dict[str, Any]]:
        """New receipts the phone's app downloads now."""
        return self.backend.receipts(self.wallets[phone].key)

    def close(self) -> None:
        """Stop the devices process, the relay and the backend; the working files go with the folder."""
        self._stack.close()
