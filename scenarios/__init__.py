"""Scenarios: scenarios."""
