"""SimPy models of waiting rooms and of the national rollout, validated against queueing theory.

The engine (:mod:`scenarios.models.engine`) runs every model: the M/M/c validation model,
the GP practice, the pharmacy and the hospital admissions desk.
"""
