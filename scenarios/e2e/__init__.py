"""Scenarios: e2e."""
