"""Locustfiles for load tests of the insurer backend."""
