"""The phone app: fetch new receipts; now and then lend the card (create, list, revoke a delegation)."""

from __future__ import annotations

import time
import uuid

from locust import task

from scenarios.load.users.base import ApcvUser

DELEGATION_DAYS = 7


class PhoneApp(ApcvUser):
    """The app on one of the slot's activated phones, signed with its device key."""

    kind = "phone"

    def on_start(self) -> None:
        """Be the phone of one of the slot's wallets."""
        super().on_start()
        self.wallet = self.rng.randrange(len(self.run.supply.wallets))
        self.signer = self.run.devices[self.wallet]

    @task
    def sync(self) -> None:
        """Download the receipts of the visits billed since the last sync."""
        reply = self.call("GET", "/v1/receipts", signer=self.signer)
        if reply.status == 200 and isinstance(reply.data, list) and reply.data:
            claims = {str(r.get("receipt_id")): str(r.get("claim_id")) for r in reply.data}
            ack = self.call("POST", "/v1/receipts/ack", body={"receipt_ids": list(claims)},
                            signer=self.signer)
            if ack.status == 200 and isinstance(ack.data, dict):
                now = time.time()
                for receipt_id in ack.data.get("acknowledged", []):  # delivered by this very call
                    self.run.recorder.record("delivered", receipt_id, claims.get(receipt_id, ""), now)
        if self.rng.random() < self.run.plan.mix.delegation_chance:
            self.delegate()

    def delegate(self) -> None:
        """Lend the card to someone for a week, list the delegations, take it back."""
        holder = self.run.supply.wallets[self.wallet].insured.identity.nir
        delegates = [nir for nir in self.run.supply.delegates if nir != holder]
        if not delegates:
            return
        now = time.time()
        body = {"delegate_nir": self.rng.choice(delegates), "beneficiaries": [holder], "valid_from": now,
                "valid_until": now + DELEGATION_DAYS * 86400}
        created = self.call("POST", "/v1/delegations", body=body, signer=self.signer, expect=(201,),
                            headers={"Idempotency-Key": uuid.uuid4().hex})
        if created.status != 201 or not isinstance(created.data, dict):
            return
        self.call("GET", "/v1/delegations", signer=self.signer, name="/v1/delegations [list]")
        self.call("DELETE", f"/v1/delegations/{created.data['delegation_id']}", signer=self.signer,
                  name="/v1/delegations/[id]")
