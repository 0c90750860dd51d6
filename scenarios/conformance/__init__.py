"""Conformance plans, one folder per device-under-test role, the plan runner, and the variant
matrix that proves each plan can fail."""
