"""The top layer of apcv-hil: what a user runs.

Conformance plans per device-under-test role (:mod:`scenarios.conformance`), end-to-end
scenarios (:mod:`scenarios.e2e`), SimPy models of waiting rooms and of the rollout
(:mod:`scenarios.models`), Locust load tests (:mod:`scenarios.load`), and their commands
(:mod:`scenarios.cli`), joined to ``apcv-hil`` through entry points.
"""
