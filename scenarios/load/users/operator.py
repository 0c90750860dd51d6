"""Identity-check operators working the queue of video enrolments."""

from __future__ import annotations

from locust import task

from scenarios.load.users.base import ApcvUser

PICK_AMONG = 5
"""An operator takes one of the oldest few enrolments (several operators work the same queue)."""
REJECTION_REASON = "the identity document in the video is unreadable"


class Operator(ApcvUser):
    """An operator of the directory: read the queue, approve (or reject) one enrolment.

    Another operator may have decided first: the service's 409 ``not_pending`` is then an
    expected answer, not a failure.
    """

    kind = "operator"

    @task
    def review(self) -> None:
        """One review."""
        run = self.run
        queue = self.call("GET", "/v1/review/activations", signer=run.operator)
        if queue.status != 200 or not isinstance(queue.data, list) or not queue.data:
            return
        item = self.rng.choice(queue.data[:PICK_AMONG])["activation_id"]
        if self.rng.random() < run.plan.mix.rejection_share:
            self.call("POST", f"/v1/review/activations/{item}/reject", body={"reason": REJECTION_REASON},
                      signer=run.operator, name="/v1/review/activations/[id]/reject", expect=(200, 409))
        else:
            self.call("POST", f"/v1/review/activations/{item}/approve", signer=run.operator,
                      name="/v1/review/activations/[id]/approve", expect=(200, 409))
