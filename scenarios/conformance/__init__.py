"""Scenarios: conformance."""
