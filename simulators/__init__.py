"""Simulated roles of the apCV world: phone, card, reader, population, profile."""
