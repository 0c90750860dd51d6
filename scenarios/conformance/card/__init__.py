"""Scenarios: card."""
