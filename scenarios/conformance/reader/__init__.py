"""Scenarios: reader."""
