"""Simulated identity providers (France Identité) that prove who enrols an apCV."""
