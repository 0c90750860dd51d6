"""Activation: a phone enrols its device key by France Identité (active at once: the provider's
assertion for that person and key is made just before, as the app does) or by video."""

from __future__ import annotations

import base64
import uuid

from locust import task

from scenarios.load.users.base import ApcvUser
from simulators.backend.client import Signer
from simulators.backend.signing import public_key_der
from simulators.identity.france_identite import FranceIdentite


class Activation(ApcvUser):
    """Someone activating the app: a new device key (made before the run) for one of the slot's enrollees."""

    kind = "activation"

    @task
    def enrol(self) -> None:
        """Enrol; a video enrolment then asks for its state while it waits for an operator."""
        mix = self.run.plan.mix
        enrolment = self.run.supply.enrolment(mix.video_share)
        signer = Signer.device(enrolment.device_key)
        spki = public_key_der(enrolment.device_key.public_key())
        body = {"nir": enrolment.nir, "proof": enrolment.proof,
                "device_public_key": base64.b64encode(spki).decode()}
        if enrolment.proof == "france_identite":
            provider = FranceIdentite(self.run.plan.seed)
            body["identity_assertion"] = provider.prove(enrolment.nir, enrolment.device_key.public_key())
        reply = self.call("POST", "/v1/activations", body=body, signer=signer, expect=(201, 202),
                          name=f"/v1/activations [{enrolment.proof}]",
                          headers={"Idempotency-Key": uuid.uuid4().hex})
        if reply.status == 202 and isinstance(reply.data, dict):
            for _ in range(mix.video_status_polls):
                self.call("GET", f"/v1/activations/{reply.data['activation_id']}", signer=signer,
                          name="/v1/activations/[id]")
