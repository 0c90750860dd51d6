"""The load shape of ``apcv-hil load`` for Locust (``-f scenarios/load/locustfile.py,shapefile.py``).

Plays the plan's shape (:mod:`scenarios.load.shapes`) and ends the test at its duration, or
at ``--run-time`` if that comes first: a shape given to Locust would otherwise run on past
``--run-time``. On a master, the end stops the workers and waits for them before Locust
quits, so their last statistics and records are not lost.
"""

from locust import LoadTestShape
from locust.runners import MasterRunner

from scenarios.load.runtime import current_plan
from scenarios.load.shapes import users_at


class ApcvShape(LoadTestShape):
    """constant, step, spike, soak or rollout, as the plan says."""

    use_common_options = True

    def tick(self) -> tuple[int, float] | None:
        """Users and spawn rate now; None once the run time is reached."""
        elapsed = self.get_run_time()
        run_time = getattr(self.runner.environment.parsed_options, "run_time", None) if self.runner else None
        now = None if run_time and elapsed >= run_time else users_at(current_plan().shape, elapsed)
        if now is None and isinstance(self.runner, MasterRunner):
            self.runner.stop()  # sends stop to the workers and waits until each has reported stopping
        return now
