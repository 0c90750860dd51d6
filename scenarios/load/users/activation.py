"""Activation: a phone enrols its device key by France Identité (active at once) or by video."""

from __future__ import annotations

import base64

from locust import task

from scenarios.load.users.base import ApcvUser
from simulators.backend.client import Signer
from simulators.backend.signing import public_key_der


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
        reply = self.call("POST", "/v1/activations", body=body, signer=signer, expect=(201, 202),
                          name=f"/v1/activations [{enrolment.proof}]")
        if reply.status == 202 and isinstance(reply.data, dict):
            for _ in range(mix.video_status_polls):
                self.call("GET", f"/v1/activations/{reply.data['activation_id']}", signer=signer,
                          name="/v1/activations/[id]")
