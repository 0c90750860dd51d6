"""Practice software: verify a presentation (QR or NFC), look up the rights, submit the claim."""

from __future__ import annotations

import time

from locust import task

from scenarios.load.claims import acts_for
from scenarios.load.users.base import ApcvUser


class PracticeSoftware(ApcvUser):
    """A practitioner's billing software during one visit after another.

    The verification spends the token; a verification or a claim whose answer was lost (or
    was a 5xx) is sent again as it was: the same token (a 409 ``token_replayed`` then means
    an earlier attempt went through), the same claim id (the service answers the same
    acknowledgement). The ledger keeps every accepted token and acknowledged claim.
    """

    kind = "practice"

    def on_start(self) -> None:
        """Sign as one practitioner of the directory."""
        super().on_start()
        self.signer = self.rng.choice(self.run.practitioners)

    @task
    def visit(self) -> None:
        """One patient: verification, rights, claim."""
        run, now = self.run, time.time()
        if self.rng.random() < run.plan.mix.qr_share:
            token = run.supply.qr_token(now)
            path, body = "/v1/verifications/qr", {"qr": token.payload}
        else:
            token = run.supply.presentation(now)
            path, body = "/v1/verifications", {"presentation": token.payload}
        verified = self.call_retrying("POST", path, body=body, signer=self.signer)
        if verified.status != 200:
            return
        run.recorder.record("accepted", token.token_id, token.kind, time.time())
        self.call("GET", f"/v1/rights/{token.nir}", signer=self.signer, name="/v1/rights/[nir]")
        if self.rng.random() >= run.plan.mix.claim_share:
            return
        claim_id = run.next_claim_id()
        acts = acts_for(claim_id)
        run.recorder.record("submitted", claim_id, token.token_id, self.signer.key_id)
        ack = self.call_retrying("POST", "/v1/claims", body={"claim_id": claim_id, "token_id": token.token_id,
                                                            "acts": acts},
                                 signer=self.signer, expect=(200, 201))
        if ack.status in (200, 201) and isinstance(ack.data, dict):
            run.recorder.record("acked", claim_id, str(ack.data.get("receipt_id")),
                                int(ack.data.get("total_cents", -1)), ack.status, ack.attempts, time.time())
