"""Scenarios: phone."""
